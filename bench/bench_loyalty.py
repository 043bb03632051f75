"""Benchmark custrel's customer-value models against lifetimes, in the same run.

Run by hand, never by CI (see bench/README.md)::

    .venv/bin/python bench/bench_loyalty.py                 # everything, 1,000,000 nightly
    .venv/bin/python bench/bench_loyalty.py --customers 100000 --repeat 5
    .venv/bin/python bench/bench_loyalty.py --skip-nightly

On the CDNOW data (the 69,659-row master file and the 2,357-customer sample) it times, for
custrel and for lifetimes on the same input: summarising transactions, the BG/NBD fit, and
P(alive) with expected purchases for every customer. Every comparison first checks that both
libraries agree on the numbers, and raises if they do not, so a fast but wrong path cannot
report a figure. Then a nightly-style run scores synthetic customers with custrel alone in a
fresh interpreter, reporting each phase's time and the peak memory of the process.

lifetimes 0.11.3 is archived; it imports as is on numpy 2.4, pandas 3.1, scipy 1.17 and
setuptools 65. Its ``lifetimes.datasets`` module needs ``pkg_resources`` (gone from recent
setuptools), so this script never imports it and reads the data files itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import random
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from custrel.loyalty import (
    BetaGeoModel,
    BetaGeoParams,
    CustomerSummary,
    DiscountRate,
    GammaGammaModel,
    Horizon,
    customer_lifetime_value,
    summarize,
)

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
SAMPLE = ROOT / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"
MASTER_END = dt.date(1998, 6, 30)
CALIBRATION_END = dt.date(1997, 9, 30)

Row = tuple[str, dt.date, Decimal]


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """Run *work* *repeat* times; return the best CPU time and the last result.

    CPU time of this process (all its threads), not wall time: on a shared machine other
    processes stretch the wall clock of both libraries unevenly, their CPU time much less.
    """
    best = math.inf
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        result = work()
        best = min(best, time.process_time() - start)
    return best, result


def best_of_both(
    repeat: int, ours: Callable[[], Any], theirs: Callable[[], Any]
) -> tuple[float, Any, float, Any]:
    """`best_of` for custrel and lifetimes, their runs alternating.

    Both then see the same machine: a burst of load from another process, or a slow phase of
    the allocator, falls on runs of both rather than on a block of one library's runs.
    """
    our_best = their_best = math.inf
    our_result = their_result = None
    for _ in range(repeat):
        our_time, our_result = best_of(1, ours)
        their_time, their_result = best_of(1, theirs)
        our_best, their_best = min(our_best, our_time), min(their_best, their_time)
    return our_best, our_result, their_best, their_result


def read_master(path: Path) -> list[Row]:
    rows = []
    with path.open(encoding="ascii") as handle:
        next(handle)  # header
        for line in handle:
            customer, day, _, dollars = line.split()
            rows.append(
                (customer, dt.date(int(day[:4]), int(day[4:6]), int(day[6:])), Decimal(dollars))
            )
    return rows


def read_sample(path: Path) -> list[Row]:
    rows = []
    with path.open(encoding="ascii") as handle:
        for line in handle:
            _, customer, day, _, dollars = line.split()
            rows.append(
                (customer, dt.date(int(day[:4]), int(day[4:6]), int(day[6:])), Decimal(dollars))
            )
    return rows


def frame(rows: list[Row]) -> Any:  # noqa: ANN401 - a pandas DataFrame, pandas is untyped here
    """The same rows as lifetimes wants them: datetime64 dates, float amounts."""
    import pandas as pd  # type: ignore[import-untyped]  # noqa: PLC0415 - bench only

    return pd.DataFrame(
        {
            "customer_id": [row[0] for row in rows],
            "date": pd.to_datetime([row[1] for row in rows]),
            "amount": [float(row[2]) for row in rows],
        }
    )


def check_summaries(
    ours: dict[str, CustomerSummary],
    theirs: Any,  # noqa: ANN401 - a pandas DataFrame
    *,
    days_per_unit: int,
) -> None:
    """Both libraries give every customer the same frequency, recency, T and monetary."""
    if len(ours) != len(theirs):
        raise AssertionError(f"{len(ours)} custrel summaries, {len(theirs)} from lifetimes")
    for customer, frequency, recency, age, monetary in zip(
        theirs.index,
        theirs["frequency"],
        theirs["recency"],
        theirs["T"],
        theirs["monetary_value"],
        strict=True,
    ):
        mine = ours[customer]
        same = (
            mine.frequency == frequency
            and math.isclose(mine.recency, recency / days_per_unit, abs_tol=1e-9)
            and math.isclose(mine.T, age / days_per_unit, abs_tol=1e-9)
            and math.isclose(float(mine.monetary), monetary, rel_tol=1e-9, abs_tol=1e-9)
        )
        if not same:
            raise AssertionError(
                f"{customer}: custrel {mine}, lifetimes {(frequency, recency, age, monetary)}"
            )


def bench_summaries(
    rows: list[Row], *, end: dt.date, unit: str, repeat: int, label: str, goal: float | None
) -> float:
    """Time both libraries on the same rows, each in its own in-memory form, built untimed.

    custrel reads the ``(customer_id, date, Decimal)`` tuples; lifetimes a DataFrame made from
    them beforehand (what a pandas user holds). The goal compares the two calls alone; a second
    line adds the DataFrame's construction to lifetimes, for users who hold Python rows.
    """
    from lifetimes.utils import (  # type: ignore[import-untyped]  # noqa: PLC0415
        summary_data_from_transaction_data,
    )

    framing_time, transactions = best_of(repeat, lambda: frame(rows))
    days_per_unit = 7 if unit == "week" else 1
    ours_time, ours, theirs_time, theirs = best_of_both(
        repeat,
        lambda: summarize(rows, observation_end=end, unit=unit),  # type: ignore[arg-type]
        lambda: summary_data_from_transaction_data(
            transactions,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end=end.isoformat(),
            freq="D",
        ),
    )
    check_summaries(ours, theirs, days_per_unit=days_per_unit)
    report(f"summarize {label}", ours_time, theirs_time, goal=goal)
    with_framing = framing_time + theirs_time
    print(
        f"    lifetimes from the same rows, building its DataFrame too: {with_framing * 1000:.1f}"
        f" ms, custrel / that = {ours_time / with_framing:.3f} (no goal: see bench/README.md)"
    )
    return ours_time


def bench_fit(
    summaries: dict[str, CustomerSummary], *, repeat: int, label: str, goal: float | None
) -> BetaGeoModel:
    import numpy as np  # noqa: PLC0415
    from lifetimes import BetaGeoFitter  # type: ignore[import-untyped]  # noqa: PLC0415

    values = list(summaries.values())
    frequency = np.array([s.frequency for s in values], dtype=float)
    recency = np.array([s.recency for s in values])
    age = np.array([s.T for s in values])

    def lifetimes_fit() -> Any:  # noqa: ANN401
        fitter = BetaGeoFitter()
        fitter.fit(frequency, recency, age)
        return fitter

    ours_time, model, theirs_time, fitter = best_of_both(
        repeat, lambda: BetaGeoModel.fit(values), lifetimes_fit
    )
    for name in ("r", "alpha", "a", "b"):
        mine, theirs = getattr(model.params, name), fitter.params_[name]
        if not math.isclose(mine, theirs, rel_tol=1e-3):
            raise AssertionError(f"BG/NBD {name}: custrel {mine}, lifetimes {theirs}")
    report(
        f"BG/NBD fit {label} ({model.iterations} Newton steps)", ours_time, theirs_time, goal=goal
    )
    print(f"    custrel   {model.params}, log-likelihood {model.log_likelihood:.2f}")
    print(f"    lifetimes {BetaGeoParams(*(fitter.params_[n] for n in ('r', 'alpha', 'a', 'b')))}")
    fitted: BetaGeoModel = model
    return fitted


def bench_predictions(
    model: BetaGeoModel, summaries: dict[str, CustomerSummary], *, repeat: int, label: str
) -> None:
    import numpy as np  # noqa: PLC0415
    from lifetimes import BetaGeoFitter  # noqa: PLC0415

    values = list(summaries.values())
    frequency = np.array([s.frequency for s in values], dtype=float)
    recency = np.array([s.recency for s in values])
    age = np.array([s.T for s in values])
    fitter = BetaGeoFitter()
    fitter.params_ = {
        "r": model.params.r,
        "alpha": model.params.alpha,
        "a": model.params.a,
        "b": model.params.b,
    }
    horizon = 39.0

    def ours() -> tuple[list[float], list[float]]:
        return (
            [model.p_alive(s) for s in values],
            [model.expected_purchases(s, horizon) for s in values],
        )

    def theirs() -> tuple[Any, Any]:
        return (
            fitter.conditional_probability_alive(frequency, recency, age),
            fitter.conditional_expected_number_of_purchases_up_to_time(
                horizon, frequency, recency, age
            ),
        )

    from custrel.loyalty import _beta_geo  # noqa: PLC0415 - to time a cold cache

    def ours_cold() -> tuple[list[float], list[float]]:
        _beta_geo.expected_if_active.cache_clear()  # every run starts cold
        return ours()

    ours_time, (alive, expected), theirs_time, (their_alive, their_expected) = best_of_both(
        repeat, ours_cold, theirs
    )
    worst_alive = max(abs(a - b) for a, b in zip(alive, their_alive, strict=True))
    worst_expected = max(
        abs(a - b) / max(abs(b), 1e-12) for a, b in zip(expected, their_expected, strict=True)
    )
    if worst_alive > 1e-9 or worst_expected > 1e-7:
        raise AssertionError(f"predictions differ: {worst_alive}, {worst_expected}")
    report(
        f"P(alive) + E[X(39)] for {len(values):,} customers {label}",
        ours_time,
        theirs_time,
        goal=None,
    )
    print(
        f"    largest differences: P(alive) {worst_alive:.1e}, "
        f"expected {worst_expected:.1e} (relative)"
    )


def report(what: str, ours: float, theirs: float, *, goal: float | None) -> None:
    ratio = ours / theirs
    verdict = ""
    if goal is not None:
        verdict = f" (goal <= {goal:.2f}: {'met' if ratio <= goal else 'NOT met'})"
    print(what)
    print(
        f"    custrel {ours * 1000:9.1f} ms   lifetimes {theirs * 1000:9.1f} ms   "
        f"custrel / lifetimes = {ratio:.3f}{verdict}"
    )


# --- the nightly-style run, in a fresh interpreter ------------------------------------------

SYNTHETIC_START = dt.date(2025, 1, 1)
SYNTHETIC_END = dt.date(2026, 6, 30)


def synthetic_rows(customers: int, seed: int) -> Iterator[Row]:
    """Purchases of customers from a BG/NBD world (r=0.25, alpha=30 days, a=0.8, b=2.5).

    First purchases spread over the first year; amounts from a small pool of prices, so the
    generator costs little next to what it feeds.
    """
    generator = random.Random(seed)
    total_days = (SYNTHETIC_END - SYNTHETIC_START).days
    days = [SYNTHETIC_START + dt.timedelta(days=n) for n in range(total_days + 1)]
    prices = [Decimal(f"{generator.lognormvariate(3.3, 0.6):.2f}") for _ in range(997)]
    gammavariate, betavariate, expovariate = (
        generator.gammavariate, generator.betavariate, generator.expovariate,
    )  # fmt: skip
    uniform, choice = generator.random, generator.choice
    for number in range(customers):
        customer = f"cust-{number:07d}"
        first = int(uniform() * 365)
        yield customer, days[first], choice(prices)
        rate = gammavariate(0.25, 1 / 30)
        dropout = betavariate(0.8, 2.5)
        t = float(first)
        while rate > 0:
            t += expovariate(rate)
            if t > total_days:
                break
            yield customer, days[int(t)], choice(prices)
            if uniform() < dropout:
                break


def peak_rss_mib() -> float:
    """The process's peak resident memory so far, in MiB.

    Linux's VmHWM belongs to the address space, which exec replaces; ``ru_maxrss`` would carry
    the peak of the (pandas-loaded) parent this process was forked from.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class _Phase:
    """Record a phase's CPU time under its name."""

    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.process_time() - self.start


def nightly(customers: int, seed: int) -> dict[str, float]:
    """Summarise, fit both models and score every customer; return CPU times and peak memory."""
    timings: dict[str, float] = {}
    wall = time.perf_counter()
    with _Phase(timings, "generate rows only"):
        rows = sum(1 for _ in synthetic_rows(customers, seed))
    baseline = peak_rss_mib()
    with _Phase(timings, "summarize (generating as it reads)"):
        summaries = summarize(
            synthetic_rows(customers, seed), observation_end=SYNTHETIC_END, unit="day"
        )
    values = list(summaries.values())
    with _Phase(timings, "BG/NBD fit"):
        purchases = BetaGeoModel.fit(values)
    with _Phase(timings, "Gamma-Gamma fit"):
        spend = GammaGammaModel.fit(values)
    with _Phase(timings, "P(alive), all customers"):
        alive = [purchases.p_alive(s) for s in values]
    with _Phase(timings, "E[purchases in 90 days], all"):
        horizon = Horizon(90, "days")
        expected = [purchases.expected_purchases(s, horizon) for s in values]
    with _Phase(timings, "12-month CLV, all"):
        twelve, rate = Horizon(12, "months"), DiscountRate(0.01, per="months")
        value = [
            customer_lifetime_value(purchases, spend, s, horizon=twelve, discount_rate=rate)
            for s in values
        ]
    timings["wall clock, whole run"] = time.perf_counter() - wall
    peak = peak_rss_mib()
    return {
        **timings,
        "rows": rows,
        "customers": len(values),
        "repeat buyers": sum(1 for s in values if s.frequency),
        "BG/NBD steps": purchases.iterations,
        "mean P(alive)": sum(alive) / len(alive),
        "mean E[90 days]": sum(expected) / len(expected),
        "mean CLV": sum(value) / len(value),
        "peak RSS MiB": peak,
        "peak RSS before summarize MiB": baseline,
    }


def run_nightly(customers: int, seed: int) -> None:
    """Run `nightly` in a fresh interpreter (no pandas loaded) and print its report."""
    completed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--nightly-json", str(customers), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(completed.stdout)
    print(
        f"nightly run: {result['customers']:,} synthetic customers, {result['rows']:,} rows, "
        f"{result['repeat buyers']:,} repeat buyers (custrel only, fresh interpreter)"
    )
    total = 0.0
    for key, value in result.items():
        if key in {"rows", "customers", "repeat buyers"}:
            continue
        if key.endswith("MiB"):
            print(f"    {key:38} {value:10.0f}")
        elif key in {"BG/NBD steps", "mean P(alive)", "mean E[90 days]", "mean CLV"}:
            print(f"    {key:38} {value:10.4g}")
        elif key == "wall clock, whole run":
            print(f"    {key:38} {value:10.2f} s (generation included, machine load too)")
        else:
            if key != "generate rows only":
                total += value
            print(f"    {key:38} {value:10.2f} s CPU")
    print(f"    {'total CPU, summarize to CLV':38} {total:10.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--master", type=Path, default=MASTER, help="CDNOW_master.txt")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="CDNOW_sample.txt")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best counts")
    parser.add_argument("--customers", type=int, default=1_000_000, help="nightly run size")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--skip-nightly", action="store_true")
    parser.add_argument("--nightly-json", type=int, metavar="N", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.nightly_json is not None:
        print(json.dumps(nightly(arguments.nightly_json, arguments.seed)))
        return

    warnings.simplefilter("ignore")  # lifetimes' own deprecation noise
    import lifetimes  # noqa: PLC0415

    print(
        f"Python {sys.version.split()[0]}, lifetimes {lifetimes.__version__}; "
        f"best CPU time of {arguments.repeat} runs"
    )
    master = read_master(arguments.master)
    sample = read_sample(arguments.sample)
    calibration = [row for row in sample if row[1] <= CALIBRATION_END]
    print(f"CDNOW master: {len(master):,} rows; sample calibration: {len(calibration):,} rows\n")

    bench_summaries(
        master,
        end=MASTER_END,
        unit="day",
        repeat=arguments.repeat,
        label="master, days",
        goal=0.5,
    )
    # The file is sorted by customer; a database usually hands rows over in time order.
    bench_summaries(
        sorted(master, key=lambda row: row[1]),
        end=MASTER_END,
        unit="day",
        repeat=arguments.repeat,
        label="master, days, rows in date order",
        goal=None,
    )
    bench_summaries(
        calibration,
        end=CALIBRATION_END,
        unit="week",
        repeat=arguments.repeat,
        label="sample, weeks",
        goal=0.5,
    )
    sample_summaries = summarize(calibration, observation_end=CALIBRATION_END, unit="week")
    bench_fit(sample_summaries, repeat=arguments.repeat, label="sample, weeks", goal=0.25)
    master_summaries = summarize(master, observation_end=MASTER_END, unit="week")
    master_model = bench_fit(
        master_summaries, repeat=arguments.repeat, label="master, weeks", goal=None
    )
    bench_predictions(master_model, master_summaries, repeat=arguments.repeat, label="(master)")
    if not arguments.skip_nightly:
        print()
        run_nightly(arguments.customers, arguments.seed)


if __name__ == "__main__":
    main()
