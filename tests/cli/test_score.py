import csv
import io
from pathlib import Path

import pytest

from custrel.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_cdnow(path: Path, *, customers: int = 2357) -> Path:
    """The CDNOW sample as a customer_id,date,amount CSV, optionally its first customers only."""
    lines = ["customer_id,date,amount"]
    for line in SAMPLE.read_text(encoding="ascii").splitlines():
        _, customer, day, _, value = line.split()
        if int(customer) <= customers:
            lines.append(f"{customer},{day[:4]}-{day[4:6]}-{day[6:]},{value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class TestScore:
    def test_the_cdnow_sample_reproduces_the_paper_and_checks_the_holdout(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Weekly calibration to 1997-09-30: the paper's fit, 1,882 holdout purchases."""
        code, out, err = run(
            [
                "score",
                str(write_cdnow(tmp_path / "cdnow.csv")),
                "--calibration-end",
                "1997-09-30",
                "--unit",
                "week",
                "--horizon",
                "39",
                "--horizon-unit",
                "weeks",
            ],
            capsys,
        )
        assert (code, err) == (0, "")
        assert "2357 customers observed until 1997-09-30, times in weeks" in out
        assert "BG/NBD: r=0.242595, alpha=4.4136, a=0.792922, b=2.42591" in out
        assert "log-likelihood -9582.43" in out
        assert "Gamma-Gamma: p=6.24957, q=3.74422, gamma=15.4435" in out
        assert "holdout 1997-09-30 to 1998-06-30: 1882 purchases" in out
        first = next(line for line in out.splitlines() if line.startswith("0001 "))
        assert first.split()[:12] == [
            "0001", "2", "30.43", "38.86", "24.67", "5", "4", "3", "champions", "0.7266",
            "1.2260", "30.23",
        ]  # fmt: skip

    def test_csv_output_has_one_row_per_customer(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--format csv writes a header and a row per customer, sorted by id."""
        path = write_cdnow(tmp_path / "small.csv", customers=300)
        code, out, _ = run(
            ["score", str(path), "--format", "csv", "--observation-end", "1998-06-30"], capsys
        )
        assert code == 0
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == 300
        assert list(rows[0]) == [
            "customer_id", "frequency", "recency", "T", "monetary", "R", "F", "M", "segment",
            "p_alive", "expected_purchases", "clv",
        ]  # fmt: skip
        assert [row["customer_id"] for row in rows] == sorted(row["customer_id"] for row in rows)
        assert all(0 <= float(row["p_alive"]) <= 1 for row in rows)
        assert all(float(row["clv"]) >= 0 for row in rows)
        assert rows[0]["T"] == "545.00"  # 1997-01-01 to 1998-06-30, in days by default

    def test_horizon_and_discount_change_the_value(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A longer horizon raises CLV; a discount rate lowers it."""
        path = write_cdnow(tmp_path / "small.csv", customers=300)

        def clv(*options: str) -> float:
            _, out, _ = run(["score", str(path), "--format", "csv", *options], capsys)
            return sum(float(row["clv"]) for row in csv.DictReader(io.StringIO(out)))

        one_year = clv()
        two_years = clv("--horizon", "2", "--horizon-unit", "years")
        discounted = clv("--horizon", "2", "--horizon-unit", "years", "--discount-rate", "0.1")
        assert one_year < two_years
        assert discounted < two_years

    def test_without_repeat_buyers_the_models_are_left_out_with_a_note(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """RFM and segments are still printed; the note says why P(alive) and CLV are blank."""
        path = write(
            tmp_path / "once.csv",
            "customer_id,date,amount\na,2026-01-05,10\nb,2026-02-01,20\nc,2026-03-01,5.5\n",
        )
        code, out, _ = run(["score", str(path)], capsys)
        assert code == 0
        assert out.startswith("3 customers observed until 2026-03-01")  # the last purchase
        assert "note: BG/NBD not fitted:" in out
        assert "no customer made a repeat purchase" in out
        assert "note: Gamma-Gamma not fitted: no repeat buyers" in out
        last = out.splitlines()[-1].split()
        assert last == ["c", "0", "0.00", "0.00", "5.50", "4", "1", "1", "promising"]


class TestScoreBadInput:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                "customer_id,date,amount\na,2026-01-05,10\nb,2026-13-01,1\n",
                "line 3 date: not an ISO",
            ),
            ("customer_id,date,amount\na,2026-01-05,-10\n", "line 2 amount: must be a finite"),
            ("customer_id,date,amount\na,2026-01-05,NaN\n", "line 2 amount: must be a finite"),
            ("customer_id,date,amount\na,2026-01-05,ten\n", "line 2 amount: not a decimal"),
            ("customer_id,date,amount\na,2026-01-05\n", "line 2: expected 3 fields"),
            ("customer_id,date,amount\n,2026-01-05,1\n", "line 2 customer_id: empty"),
            ("customer_id,date,amount\na,2026-01-05T10:00,1\n", "line 2 date: a datetime needs"),
            ("id,when,amount\na,2026-01-05,1\n", "line 1: expected the header"),
            ("", "line 1: expected the header"),
            ("customer_id,date,amount\n", "no purchases"),
        ],
    )
    def test_malformed_files_fail_naming_the_line_and_print_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
    ) -> None:
        """A bad line stops the command with one error line and no partial output."""
        code, out, err = run(["score", str(write(tmp_path / "bad.csv", text))], capsys)
        assert (code, out) == (1, "")
        assert err.startswith("custrel: ")
        assert message in err

    def test_a_purchase_after_the_observation_end_names_its_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--observation-end before a purchase is an error for that line."""
        path = write(
            tmp_path / "late.csv", "customer_id,date,amount\na,2026-01-05,1\na,2026-03-05,1\n"
        )
        code, out, err = run(["score", str(path), "--observation-end", "2026-02-01"], capsys)
        assert (code, out) == (1, "")
        assert "line 3 date: after the observation end 2026-02-01" in err

    def test_datetimes_with_an_offset_count_on_their_local_date(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Two purchases on the same local day are one occasion."""
        path = write(
            tmp_path / "times.csv",
            "customer_id,date,amount\n"
            "a,2026-01-05T23:30:00+01:00,1\na,2026-01-05T00:10:00+01:00,2\nb,2026-01-09,1\n",
        )
        code, out, _ = run(["score", str(path), "--format", "csv"], capsys)
        assert code == 0
        rows = {row["customer_id"]: row for row in csv.DictReader(io.StringIO(out))}
        assert (rows["a"]["frequency"], rows["a"]["monetary"]) == ("0", "3.00")

    def test_a_missing_file_is_reported(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unreadable path fails with one line."""
        code, _, err = run(["score", str(tmp_path / "nope.csv")], capsys)
        assert code == 1
        assert "nope.csv" in err

    def test_a_bad_option_value_is_a_usage_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A malformed date option is refused by the argument parser."""
        path = write(tmp_path / "x.csv", "customer_id,date,amount\na,2026-01-05,1\n")
        with pytest.raises(SystemExit):
            main(["score", str(path), "--observation-end", "yesterday"])
        assert "not an ISO date" in capsys.readouterr().err
