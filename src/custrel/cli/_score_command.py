"""``custrel score``: RFM segments, P(alive), expected purchases and CLV from a transactions CSV."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

import attrs

from custrel.errors import ValidationError
from custrel.loyalty import (
    DEFAULT_SEGMENT_MAP,
    BetaGeoModel,
    ConvergenceError,
    CustomerSummary,
    DiscountRate,
    GammaGammaModel,
    Horizon,
    TimeUnit,
    calibration_and_holdout,
    customer_lifetime_value,
    rfm_scores,
    summarize,
)

__all__ = ["register"]

_COLUMNS = ("customer_id", "date", "amount")
_Row = tuple[str, dt.date, Decimal]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``score`` command."""
    score = commands.add_parser(
        "score",
        help="score customers from a CSV of purchases: RFM segment, P(alive), value",
        description=(
            "Read purchases (a CSV with the header customer_id,date,amount; ISO dates), fit "
            "the BG/NBD and Gamma-Gamma models and print each customer's RFM scores and "
            "segment, the probability they are still active, their expected purchases and "
            "their lifetime value over the horizon."
        ),
    )
    score.add_argument("transactions", metavar="TRANSACTIONS.csv", type=Path)
    score.add_argument(
        "--observation-end",
        type=_iso_date,
        metavar="DATE",
        help="last day observed (default: the latest purchase in the file)",
    )
    score.add_argument(
        "--unit",
        choices=("day", "week"),
        default="day",
        help="time unit of the model and of recency and T (default: %(default)s)",
    )
    score.add_argument(
        "--calibration-end",
        type=_iso_date,
        metavar="DATE",
        help="fit on purchases up to DATE and compare the expected with the actual purchases "
        "after it",
    )
    score.add_argument(
        "--horizon", type=int, default=12, metavar="N", help="look N periods ahead (default: 12)"
    )
    score.add_argument(
        "--horizon-unit",
        choices=("days", "weeks", "months", "years"),
        default="months",
        help="the horizon's period (default: %(default)s)",
    )
    score.add_argument(
        "--discount-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="discount rate per horizon period, 0.01 for 1 %% (default: 0)",
    )
    score.add_argument("--format", choices=("table", "csv"), default="table")
    score.set_defaults(run=_run)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def _parse_date(text: str, line: int) -> dt.date:
    try:
        if len(text) == len("YYYY-MM-DD"):
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            "not an ISO date (YYYY-MM-DD) or datetime", field=f"line {line} date", value=text
        ) from None
    if moment.tzinfo is None:
        raise ValidationError(
            "a datetime needs a UTC offset (its local date is the purchase day)",
            field=f"line {line} date",
            value=text,
        )
    return moment.date()


def _parse_amount(text: str, line: int) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            "not a decimal number", field=f"line {line} amount", value=text
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(
            "must be a finite number >= 0", field=f"line {line} amount", value=text
        )
    return amount


def _read(path: Path) -> Iterator[tuple[int, _Row]]:
    """Yield (line number, row) for every purchase in the CSV, checking each line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(column.strip() for column in header) != _COLUMNS:
            raise ValidationError(
                f"line 1: expected the header {','.join(_COLUMNS)}", field="header", value=header
            )
        for fields in reader:
            line = reader.line_num
            if not fields or fields == [""]:
                continue
            if len(fields) != len(_COLUMNS):
                raise ValidationError(
                    f"expected {len(_COLUMNS)} fields", field=f"line {line}", value=fields
                )
            customer_id, date_text, amount_text = (field.strip() for field in fields)
            if not customer_id:
                raise ValidationError("empty customer id", field=f"line {line} customer_id")
            yield (
                line,
                (customer_id, _parse_date(date_text, line), _parse_amount(amount_text, line)),
            )


@attrs.frozen
class _Models:
    purchases: BetaGeoModel | None
    spend: GammaGammaModel | None
    notes: tuple[str, ...]


def _fit(summaries: dict[str, CustomerSummary]) -> _Models:
    notes = []
    purchases = spend = None
    try:
        purchases = BetaGeoModel.fit(summaries.values())
    except ConvergenceError as error:
        notes.append(f"BG/NBD not fitted: {error}")
    if any(summary.frequency for summary in summaries.values()):
        try:
            spend = GammaGammaModel.fit(summaries.values())
        except (ConvergenceError, ValidationError) as error:
            notes.append(f"Gamma-Gamma not fitted: {error}")
    else:
        notes.append("Gamma-Gamma not fitted: no repeat buyers")
    return _Models(purchases, spend, tuple(notes))


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


@attrs.frozen
class _Report:
    """Everything the command prints."""

    unit: TimeUnit
    horizon: Horizon
    discount: DiscountRate
    end: dt.date
    scored_until: dt.date
    calibration_end: dt.date | None
    customers: int
    models: _Models
    header: tuple[str, ...]
    table: tuple[tuple[str, ...], ...]
    holdout: tuple[int, float] | None


def _load(arguments: argparse.Namespace) -> tuple[list[_Row], dt.date]:
    lines = list(_read(arguments.transactions))
    if not lines:
        raise ValidationError(f"{arguments.transactions}: no purchases after the header")
    end: dt.date = arguments.observation_end or max(row[1] for _, row in lines)
    for line, row in lines:
        if row[1] > end:
            raise ValidationError(
                f"after the observation end {end.isoformat()}",
                field=f"line {line} date",
                value=row[1].isoformat(),
            )
    return [row for _, row in lines], end


def _report(arguments: argparse.Namespace) -> _Report:
    unit: TimeUnit = arguments.unit
    horizon = Horizon(arguments.horizon, arguments.horizon_unit)
    discount = DiscountRate(arguments.discount_rate, per=arguments.horizon_unit)
    rows, end = _load(arguments)
    calibration_end: dt.date | None = arguments.calibration_end
    split = None
    if calibration_end is not None:
        split = calibration_and_holdout(
            rows, calibration_end=calibration_end, observation_end=end, unit=unit
        )
        summaries = {customer: value.calibration for customer, value in split.items()}
        scored_until = calibration_end
        rows = [row for row in rows if row[1] <= calibration_end]
    else:
        summaries = summarize(rows, observation_end=end, unit=unit)
        scored_until = end
    everything = summarize(rows, observation_end=scored_until, unit=unit, include_first=True)
    scores = rfm_scores(everything)
    segments = DEFAULT_SEGMENT_MAP.assign(scores)
    models = _fit(summaries)
    purchases, spend = models.purchases, models.spend

    header: tuple[str, ...] = (
        "customer_id", "frequency", "recency", "T", "monetary", "R", "F", "M", "segment",
        "p_alive", "expected_purchases", "clv",
    )  # fmt: skip
    if split is not None:
        header += ("holdout_purchases", "holdout_expected")
    table = []
    actual_total, expected_total = 0, 0.0
    for customer in sorted(summaries):
        summary, score = summaries[customer], scores[customer]
        p_alive = expected = value = None
        if purchases is not None:
            p_alive = purchases.p_alive(summary)
            expected = purchases.expected_purchases(summary, horizon)
            if spend is not None:
                value = customer_lifetime_value(
                    purchases, spend, summary, horizon=horizon, discount_rate=discount
                )
        record: tuple[str, ...] = (
            customer,
            str(summary.frequency),
            f"{summary.recency:.2f}",
            f"{summary.T:.2f}",
            f"{everything[customer].monetary:.2f}",
            str(score.recency),
            str(score.frequency),
            str(score.monetary),
            segments[customer],
            _number(p_alive, 4),
            _number(expected, 4),
            _number(value, 2),
        )
        if split is not None:
            actual = split[customer].frequency
            predicted = None
            if purchases is not None:
                predicted = purchases.expected_purchases(summary, split[customer].duration)
                actual_total += actual
                expected_total += predicted
            record += (str(actual), _number(predicted, 4))
        table.append(record)
    return _Report(
        unit=unit,
        horizon=horizon,
        discount=discount,
        end=end,
        scored_until=scored_until,
        calibration_end=calibration_end,
        customers=len(summaries),
        models=models,
        header=header,
        table=tuple(table),
        holdout=(actual_total, expected_total)
        if split is not None and purchases is not None
        else None,
    )


def _write_table(report: _Report, out: TextIO) -> None:
    out.write(
        f"{report.customers} customers observed until {report.scored_until.isoformat()}, "
        f"times in {report.unit}s; horizon {report.horizon}, discount {report.discount}\n"
    )
    if report.models.purchases is not None:
        out.write(
            f"BG/NBD: {report.models.purchases.params}, "
            f"log-likelihood {report.models.purchases.log_likelihood:.2f}\n"
        )
    if report.models.spend is not None:
        out.write(f"Gamma-Gamma: {report.models.spend.params}\n")
    out.writelines(f"note: {note}\n" for note in report.models.notes)
    if report.holdout is not None and report.calibration_end is not None:
        actual, expected = report.holdout
        out.write(
            f"holdout {report.calibration_end.isoformat()} to {report.end.isoformat()}: "
            f"{actual} purchases, {expected:.1f} expected\n"
        )
    out.write(
        "monetary: mean spend per purchase day; R, F, M: scores 1-5; "
        f"expected_purchases and clv: over {report.horizon}\n\n"
    )
    rows = [report.header, *report.table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(report.header))]
    text = {0, report.header.index("segment")}
    for row in rows:
        cells = [
            cell.ljust(width) if i in text else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        out.write("  ".join(cells).rstrip() + "\n")


def _run(arguments: argparse.Namespace, out: TextIO) -> int:
    report = _report(arguments)  # everything is computed (and checked) before anything is printed
    if arguments.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(report.header)
        writer.writerows(report.table)
    else:
        _write_table(report, out)
    return 0
