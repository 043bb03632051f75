import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import ValidationError
from custrel.loyalty import CustomerSummary, HoldoutSummary, calibration_and_holdout, summarize

END = dt.date(2026, 3, 31)
OSLO = dt.timezone(dt.timedelta(hours=1))


def day(n: int) -> dt.date:
    return END - dt.timedelta(days=n)


class TestBtydConvention:
    def test_same_day_purchases_are_one_occasion_with_their_amounts_summed(self) -> None:
        """Two purchases on one day count once; monetary is the mean of the repeat days."""
        rows = [
            ("k", day(30), Decimal(10)),
            ("k", day(20), Decimal(5)),
            ("k", day(20), Decimal(7)),
            ("k", day(10), Decimal(8)),
        ]
        summary = summarize(rows, observation_end=END)["k"]
        assert summary == CustomerSummary("k", 2, 20, 30, Decimal(10), "day")

    def test_the_first_day_is_left_out_of_monetary_unless_asked(self) -> None:
        """include_first averages every purchase day, the first too."""
        rows = [("k", day(30), Decimal(10)), ("k", day(30), 2), ("k", day(10), "9")]
        assert summarize(rows, observation_end=END)["k"].monetary == Decimal(9)
        with_first = summarize(rows, observation_end=END, include_first=True)["k"]
        assert with_first.monetary == Decimal("10.5")

    def test_a_one_time_buyer_has_zero_frequency_recency_and_monetary(self) -> None:
        """Without repeats frequency, recency and monetary are 0 and T runs from the purchase."""
        summary = summarize([("k", day(14), Decimal(50))], observation_end=END, unit="week")["k"]
        assert (summary.frequency, summary.recency, summary.T) == (0, 0.0, 2.0)
        assert summary.monetary == 0
        assert summary.since_last_purchase == 2.0

    def test_weeks_are_days_divided_by_seven(self) -> None:
        """Recency and T in weeks are fractional: 10 days are 10/7 weeks."""
        rows = [("k", day(17), Decimal(1)), ("k", day(7), Decimal(1))]
        summary = summarize(rows, observation_end=END, unit="week")["k"]
        assert (summary.recency, summary.T) == (10 / 7, 17 / 7)
        assert summary.unit == "week"

    def test_a_purchase_on_the_observation_end_counts(self) -> None:
        """The observation end is inclusive: a purchase that day is a repeat with T = recency."""
        rows = [("k", day(3), Decimal(1)), ("k", END, Decimal(2))]
        summary = summarize(rows, observation_end=END)["k"]
        assert (summary.frequency, summary.recency, summary.T) == (1, 3.0, 3.0)

    def test_customers_come_out_in_order_of_first_appearance(self) -> None:
        """The result's keys follow the first row of each customer."""
        rows = [("b", day(2), 1), ("a", day(3), 1), ("b", day(1), 1)]
        assert list(summarize(rows, observation_end=END)) == ["b", "a"]

    def test_rows_can_be_any_iterable_even_a_generator(self) -> None:
        """Rows are read once, so a generator over a large file works."""
        rows = (("k", day(n), 1) for n in (5, 4, 3))
        assert summarize(rows, observation_end=END)["k"].frequency == 2

    def test_float_amounts_are_taken_as_written(self) -> None:
        """29.33 as a float becomes Decimal('29.33'), not its binary expansion."""
        rows = [("k", day(5), 1.0), ("k", day(1), 29.33)]
        assert summarize(rows, observation_end=END)["k"].monetary == Decimal("29.33")


class TestDatetimes:
    def test_an_aware_datetime_counts_on_its_own_local_date(self) -> None:
        """23:30 at +01:00 on the 10th is the 10th, though it is the 10th 22:30 UTC."""
        late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=OSLO)
        early = dt.datetime(2026, 3, 10, 0, 30, tzinfo=OSLO)  # 9th in UTC
        summary = summarize([("k", late, 1), ("k", early, 1)], observation_end=END)["k"]
        assert summary.frequency == 0

    def test_a_timezone_turns_datetimes_into_that_zones_dates(self) -> None:
        """With timezone='UTC' the same two purchases fall on two days."""
        late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=OSLO)
        early = dt.datetime(2026, 3, 10, 0, 30, tzinfo=OSLO)
        summary = summarize([("k", late, 1), ("k", early, 1)], observation_end=END, timezone="UTC")[
            "k"
        ]
        assert (summary.frequency, summary.recency) == (1, 1.0)

    def test_dates_and_datetimes_mix(self) -> None:
        """A date and an aware datetime on the same day are one occasion."""
        rows = [("k", dt.date(2026, 3, 1), 1), ("k", dt.datetime(2026, 3, 1, 12, tzinfo=OSLO), 1)]
        assert summarize(rows, observation_end=END)["k"].frequency == 0

    def test_the_observation_end_may_be_an_aware_datetime(self) -> None:
        """Its day is the last day observed."""
        end = dt.datetime(2026, 3, 31, 18, tzinfo=OSLO)
        assert summarize([("k", day(7), 1)], observation_end=end)["k"].T == 7.0


class TestBadInput:
    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            (Decimal(-1), "must not be negative"),
            (-0.5, "must not be negative"),
            ("-3", "must not be negative"),
            (float("nan"), "finite"),
            (float("inf"), "finite"),
            (Decimal("NaN"), "finite"),
            ("Infinity", "finite"),
            ("ten", "not a decimal number"),
            (True, "not a bool"),
            (None, "expected a Decimal"),
        ],
    )
    def test_bad_amounts_are_refused_naming_the_row(self, amount: object, message: str) -> None:
        """Negative, non-finite and non-numeric amounts raise, naming the row's position."""
        rows = [("k", day(2), 1), ("k", day(1), amount)]
        with pytest.raises(ValidationError, match=f"row 2 amount: .*{message}"):
            summarize(rows, observation_end=END)

    def test_a_naive_datetime_is_refused(self) -> None:
        """A datetime without an offset has no day; it is refused."""
        with pytest.raises(ValidationError, match="row 1 date: naive datetime"):
            summarize([("k", dt.datetime(2026, 3, 1, 12), 1)], observation_end=END)  # noqa: DTZ001 - the point

    def test_a_naive_observation_end_is_refused(self) -> None:
        """The observation end follows the same rule."""
        with pytest.raises(ValidationError, match="observation_end: naive"):
            summarize([("k", day(1), 1)], observation_end=dt.datetime(2026, 3, 31))  # noqa: DTZ001 - the point

    def test_a_purchase_after_the_observation_end_is_refused(self) -> None:
        """A row after the end is an error, not silently dropped."""
        with pytest.raises(
            ValidationError, match="row 2 date: after the observation end 2026-03-31"
        ):
            summarize([("k", day(1), 1), ("k", END + dt.timedelta(days=1), 1)], observation_end=END)

    @pytest.mark.parametrize("unit", ["days", "month", "", None, 7])
    def test_unknown_units_are_refused(self, unit: object) -> None:
        """Only 'day' and 'week' are units."""
        with pytest.raises(ValidationError, match="unit: unknown time unit"):
            summarize([("k", day(1), 1)], observation_end=END, unit=unit)  # type: ignore[arg-type]

    def test_no_rows_is_an_error(self) -> None:
        """Empty data cannot be summarised."""
        with pytest.raises(ValidationError, match="no purchases to summarize"):
            summarize([], observation_end=END)

    @pytest.mark.parametrize("row", [("k", day(1)), "abcd", 5, ("k", day(1), 1, 2)])
    def test_malformed_rows_are_refused(self, row: object) -> None:
        """A row must be a (customer_id, date, amount) triple."""
        with pytest.raises(ValidationError, match="row 1: expected a"):
            summarize([row], observation_end=END)  # type: ignore[list-item]

    @pytest.mark.parametrize("customer_id", ["", " k", 7, None, ["k"]])
    def test_bad_customer_ids_are_refused(self, customer_id: object) -> None:
        """Customer ids are non-empty strings without surrounding spaces."""
        with pytest.raises(ValidationError, match="row 1 customer_id"):
            summarize([(customer_id, day(1), 1)], observation_end=END)

    def test_a_bad_date_is_refused(self) -> None:
        """A date must be a date or an aware datetime."""
        with pytest.raises(ValidationError, match="row 1 date: expected a date"):
            summarize([("k", "2026-03-01", 1)], observation_end=END)

    def test_an_unknown_timezone_is_refused(self) -> None:
        """The timezone must be an IANA name."""
        with pytest.raises(ValidationError, match="timezone"):
            summarize([("k", day(1), 1)], observation_end=END, timezone="Mars/Olympus")


class TestCustomerSummaryValue:
    def test_a_summary_checks_its_fields(self) -> None:
        """Recency beyond T, recency without repeats and bad numbers are refused."""
        with pytest.raises(ValidationError, match="recency: recency cannot exceed T"):
            CustomerSummary("k", 1, 5, 4, Decimal(1), "day")
        with pytest.raises(ValidationError, match="has recency 0"):
            CustomerSummary("k", 0, 1, 4, Decimal(0), "day")
        with pytest.raises(ValidationError, match="frequency"):
            CustomerSummary("k", -1, 0, 4, Decimal(0), "day")
        with pytest.raises(ValidationError, match="T: expected a finite number"):
            CustomerSummary("k", 0, 0, float("inf"), Decimal(0), "day")
        with pytest.raises(ValidationError, match="recency: expected a number"):
            CustomerSummary("k", 0, "0", 4, Decimal(0), "day")
        with pytest.raises(ValidationError, match="monetary"):
            CustomerSummary("k", 0, 0, 4, Decimal(-1), "day")

    def test_summaries_are_frozen_values(self) -> None:
        """Equal fields make equal summaries, and they cannot be changed."""
        first = CustomerSummary("k", 1, 2.0, 3.0, "4.5", "week")
        assert first == CustomerSummary("k", 1, 2, 3, Decimal("4.5"), "week")
        with pytest.raises(AttributeError):
            first.frequency = 2  # type: ignore[misc]


class TestCalibrationAndHoldout:
    def test_the_split_counts_holdout_days_and_averages_their_amounts(self) -> None:
        """Calibration summaries stop at the split; the holdout counts days after it."""
        split_day = day(10)
        rows = [
            ("k", day(30), 10),
            ("k", day(20), 20),
            ("k", day(5), 6),
            ("k", day(5), 4),
            ("k", day(2), 2),
            ("quiet", day(25), 1),
        ]
        result = calibration_and_holdout(rows, calibration_end=split_day, observation_end=END)
        assert result["k"] == HoldoutSummary(
            CustomerSummary("k", 1, 10, 20, Decimal(20), "day"), 2, Decimal(6), 10.0
        )
        assert result["quiet"].frequency == 0
        assert result["quiet"].monetary == 0

    def test_customers_first_seen_in_the_holdout_are_left_out(self) -> None:
        """Only the calibration cohort is summarised."""
        rows = [("old", day(20), 1), ("new", day(2), 1)]
        result = calibration_and_holdout(rows, calibration_end=day(10), observation_end=END)
        assert list(result) == ["old"]

    def test_a_holdout_summary_checks_its_fields(self) -> None:
        """The calibration part is a summary; counts, amounts and durations are checked."""
        calibration = CustomerSummary("k", 0, 0, 5, Decimal(0), "day")
        with pytest.raises(ValidationError, match="calibration"):
            HoldoutSummary(None, 0, Decimal(0), 1.0)
        with pytest.raises(ValidationError, match="frequency"):
            HoldoutSummary(calibration, -1, Decimal(0), 1.0)
        with pytest.raises(ValidationError, match="duration"):
            HoldoutSummary(calibration, 0, Decimal(0), -1.0)

    def test_the_calibration_end_must_come_before_the_observation_end(self) -> None:
        """A split at or after the end leaves no holdout and is refused."""
        with pytest.raises(ValidationError, match="calibration_end: must come before"):
            calibration_and_holdout([("k", day(1), 1)], calibration_end=END, observation_end=END)

    def test_the_split_agrees_with_summarising_the_calibration_rows(self) -> None:
        """Calibration summaries equal summarize() on the rows up to the calibration end."""
        generator = random.Random(4)
        rows = [
            (f"c{generator.randrange(20)}", day(generator.randrange(60)), generator.randrange(50))
            for _ in range(300)
        ]
        split = calibration_and_holdout(rows, calibration_end=day(20), observation_end=END)
        direct = summarize([row for row in rows if row[1] <= day(20)], observation_end=day(20))
        assert {k: v.calibration for k, v in split.items()} == direct


class TestAmountTypes:
    def test_ints_floats_strs_and_decimals_mix_exactly(self) -> None:
        """Every kind of amount counts as the exact decimal it is written as."""
        rows = [
            ("k", day(30), 10),
            ("k", day(20), 0.1),
            ("k", day(20), "0.2"),
            ("k", day(10), Decimal("1.70")),
            ("k", day(5), 7),
        ]
        summary = summarize(rows, observation_end=END)["k"]
        assert (summary.frequency, summary.recency, summary.T) == (3, 25.0, 30.0)
        assert str(summary.monetary) == "3.00"  # (0.1 + 0.2 + 1.70 + 7) / 3, no float error
        assert type(summary.monetary) is Decimal
        everything = summarize(rows, observation_end=END, include_first=True)["k"]
        assert str(everything.monetary) == "4.75"

    def test_the_mean_of_one_repeat_day_keeps_the_amounts_digits(self) -> None:
        """One repeat purchase of 179.4 has monetary 179.4, not a figure shaped by the first."""
        rows = [("k", day(30), 89.77), ("k", day(8), 179.4)]
        assert str(summarize(rows, observation_end=END)["k"].monetary) == "179.4"

    def test_int_amounts_give_decimal_means(self) -> None:
        """Ints are summed exactly and every mean is a Decimal, one-time buyers' too."""
        rows = [("a", day(9), 3), ("a", day(5), 4), ("a", day(2), 4), ("b", day(3), 5)]
        result = summarize(rows, observation_end=END, include_first=True)
        assert result["a"].monetary == Decimal(11) / 3
        assert type(result["b"].monetary) is Decimal
        assert result["b"].monetary == 5
        split = calibration_and_holdout(rows, calibration_end=day(6), observation_end=END)
        assert split["a"].monetary == 4
        assert type(split["a"].monetary) is Decimal

    def test_a_repeated_float_is_converted_once_and_stays_exact(self) -> None:
        """The same float amount in many rows gives the same Decimal in every customer."""
        rows = [(f"c{n}", day(n % 7 + 1), 19.99) for n in range(50)]
        rows += [(f"c{n}", day(n % 7 + 10), 19.99) for n in range(50)]
        result = summarize(rows, observation_end=END)
        assert {summary.monetary for summary in result.values()} == {Decimal("19.99")}

    def test_a_bool_is_refused_even_after_an_equal_float(self) -> None:
        """True == 1.0, yet a bool is never taken for the float amount seen before."""
        rows = [("a", day(2), 1.0), ("b", day(2), True)]
        with pytest.raises(ValidationError, match=r"row 2 amount: .*not a bool"):
            summarize(rows, observation_end=END)

    def test_an_int_after_an_equal_float_is_the_int(self) -> None:
        """1 after 1.0 counts as Decimal('1'), written as the row gave it."""
        rows = [("a", day(2), 1.0), ("b", day(2), 1)]
        result = summarize(rows, observation_end=END, include_first=True)
        assert (str(result["a"].monetary), str(result["b"].monetary)) == ("1.0", "1")

    @pytest.mark.parametrize("amount", [Decimal("-0"), -0.0, 0])
    def test_a_zero_amount_counts_even_with_a_minus_sign(self, amount: object) -> None:
        """-0 is not negative: a free purchase is a purchase."""
        rows = [("k", day(4), Decimal(5)), ("k", day(2), amount)]
        summary = summarize(rows, observation_end=END)["k"]
        assert (summary.frequency, summary.monetary) == (1, Decimal(0))

    @pytest.mark.parametrize(
        ("amount", "message"),
        [(-1, "must not be negative"), (-2.5, "must not be negative"), ([1], "expected a")],
    )
    def test_bad_amounts_of_the_fast_types_are_refused(self, amount: object, message: str) -> None:
        """Negative ints and floats, and unhashable amounts, are refused naming the row."""
        rows = [("k", day(3), 1.5), ("k", day(2), 2), ("k", day(1), amount)]
        with pytest.raises(ValidationError, match=f"row 3 amount: .*{message}"):
            summarize(rows, observation_end=END)


class TestRepeatedDates:
    def test_a_date_seen_before_does_not_let_a_naive_datetime_through(self) -> None:
        """Dates are checked once each, yet a later naive datetime of that day is refused."""
        rows = [("a", day(3), 1), ("b", day(3), 1), ("c", dt.datetime(2026, 3, 28), 1)]  # noqa: DTZ001 - the point
        with pytest.raises(ValidationError, match="row 3 date: naive datetime"):
            summarize(rows, observation_end=END)

    def test_a_later_row_after_the_end_is_refused_whatever_came_before(self) -> None:
        """Accepted dates are remembered; a date after the end never is."""
        after = END + dt.timedelta(days=1)
        rows = [("a", day(1), 1), ("b", END, 1), ("c", after, 1), ("d", after, 1)]
        with pytest.raises(ValidationError, match="row 3 date: after the observation end"):
            summarize(rows, observation_end=END)

    def test_an_unhashable_date_is_refused_naming_the_row(self) -> None:
        """A list where the date should be is an error, not a crash."""
        with pytest.raises(ValidationError, match="row 2 date: expected a date"):
            summarize([("a", day(1), 1), ("b", [2026, 3, 1], 1)], observation_end=END)

    def test_equal_instants_at_different_offsets_keep_their_own_dates(self) -> None:
        """00:30 at +01:00 on the 11th is 23:30 UTC on the 10th: each row keeps its own date."""
        late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.timezone.utc)
        early = dt.datetime(2026, 3, 11, 0, 30, tzinfo=OSLO)
        assert late == early
        result = summarize([("a", early, 1), ("b", late, 1)], observation_end=END)
        assert (result["a"].T, result["b"].T) == (20.0, 21.0)

    def test_more_distinct_days_than_are_remembered_still_count(self) -> None:
        """Fifty years of daily purchases: every day counts and every date is checked."""
        days = 18_300
        rows = [("k", day(n), 1) for n in range(days)]
        summary = summarize(rows, observation_end=END)["k"]
        assert (summary.frequency, summary.T) == (days - 1, days - 1)
        late = [*rows, ("k", END + dt.timedelta(days=1), 1)]
        with pytest.raises(ValidationError, match=f"row {days + 1} date: after"):
            summarize(late, observation_end=END)


BAD_ROWS = {
    "not a row": (None, "row {n}: expected a"),
    "too short": (("k", day(1)), "row {n}: expected a"),
    "unhashable date": (("k", [2026, 3, 1], 1), "row {n} date: expected a date"),
    "naive datetime": (("k", dt.datetime(2026, 3, 1), 1), "row {n} date: naive"),  # noqa: DTZ001 - the point
    "after the end": (("k", END + dt.timedelta(days=1), 1), "row {n} date: after"),
    "negative": (("k", day(1), Decimal(-1)), "row {n} amount: must not be negative"),
    "not a number": (("k", day(1), Decimal("NaN")), "row {n} amount: must be a finite"),
    "unhashable amount": (("k", day(1), [1]), "row {n} amount: expected a"),
    "unhashable id": ((["k"], day(1), 1), "row {n} customer_id: expected a non-empty"),
    "spaced id": ((" k", day(1), 1), "row {n} customer_id: expected a non-empty"),
}


class TestWhereABadRowIs:
    @settings(deadline=None, max_examples=60)
    @given(
        valid=st.integers(min_value=0, max_value=700),
        kind=st.sampled_from(sorted(BAD_ROWS)),
        later_kind=st.sampled_from(sorted(BAD_ROWS)),
    )
    def test_the_first_bad_row_is_named_wherever_it_falls(
        self, valid: int, kind: str, later_kind: str
    ) -> None:
        """Rows are read in blocks; the error still names the first bad row, not a later one."""
        rows: list[object] = [(f"c{n % 97}", day(n % 40), Decimal(n % 13)) for n in range(valid)]
        bad, message = BAD_ROWS[kind]
        later_bad, _ = BAD_ROWS[later_kind]
        rows += [bad, ("k", day(2), 1), later_bad]
        with pytest.raises(ValidationError, match=message.format(n=valid + 1)):
            summarize(rows, observation_end=END)  # type: ignore[arg-type]

    @pytest.mark.parametrize("error", [TypeError, ValueError])
    @pytest.mark.parametrize("good_rows", [0, 255, 256, 300])
    def test_an_error_of_the_rows_own_iterator_is_not_blamed_on_a_row(
        self, error: type[Exception], good_rows: int
    ) -> None:
        """A generator that fails, at once or after good rows, raises its own error unchanged."""

        def rows() -> Iterator[tuple[str, dt.date, int]]:
            for n in range(good_rows):
                yield f"c{n}", day(n % 30), n
            raise error("the database went away")

        with pytest.raises(error, match="the database went away"):
            summarize(rows(), observation_end=END)

    def test_rows_that_are_not_iterable_are_a_type_error(self) -> None:
        """No rows object at all is a programming error, as with any Python iterable."""
        with pytest.raises(TypeError):
            summarize(None, observation_end=END)  # type: ignore[arg-type]

    def test_a_bad_row_in_the_holdout_is_named_too(self) -> None:
        """calibration_and_holdout reads rows the same way."""
        rows = [(f"c{n}", day(n % 50), 1) for n in range(400)]
        rows.insert(333, ("c1", day(3), -1))
        with pytest.raises(ValidationError, match="row 334 amount: must not be negative"):
            calibration_and_holdout(rows, calibration_end=day(20), observation_end=END)


class TestBuiltSummaries:
    def test_summaries_are_the_public_frozen_type(self) -> None:
        """What summarize returns is a CustomerSummary like any other: equal, hashable, frozen."""
        summary = summarize([("k", day(5), 2), ("k", day(1), 3)], observation_end=END)["k"]
        assert type(summary) is CustomerSummary
        same = CustomerSummary("k", 1, 4, 5, Decimal(3), "day")
        assert summary == same
        assert hash(summary) == hash(same)
        with pytest.raises(AttributeError):
            summary.monetary = Decimal(0)  # type: ignore[misc]


purchases = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(min_value=0, max_value=400).map(day),
        st.decimals(min_value=0, max_value=1000, places=2),
    ),
    min_size=1,
    max_size=40,
)


class TestSummaryProperties:
    @settings(deadline=None, max_examples=150)
    @given(rows=purchases, seed=st.integers(), unit=st.sampled_from(["day", "week"]))
    def test_summaries_do_not_depend_on_row_order(
        self, rows: list[tuple[str, dt.date, Decimal]], seed: int, unit: str
    ) -> None:
        """Shuffling the rows gives the same summaries."""
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        assert summarize(rows, observation_end=END, unit=unit) == summarize(  # type: ignore[arg-type]
            shuffled,
            observation_end=END,
            unit=unit,  # type: ignore[arg-type]
        )

    @settings(deadline=None, max_examples=150)
    @given(rows=purchases, include_first=st.booleans())
    def test_frequency_recency_and_t_follow_the_purchase_days(
        self, rows: list[tuple[str, dt.date, Decimal]], include_first: bool
    ) -> None:
        """Frequency is distinct days - 1, recency <= T, and the amounts add up."""
        result = summarize(rows, observation_end=END, include_first=include_first)
        for customer, summary in result.items():
            mine = [row for row in rows if row[0] == customer]
            days = {row[1] for row in mine}
            assert summary.frequency == len(days) - 1
            assert 0 <= summary.recency <= summary.T
            assert (END - min(days)).days == summary.T
            assert summary.recency == (max(days) - min(days)).days
            total = sum(row[2] for row in mine)
            if include_first:
                assert summary.monetary * len(days) == pytest.approx(total)
            elif summary.frequency:
                first_day = sum(row[2] for row in mine if row[1] == min(days))
                assert summary.monetary * summary.frequency == pytest.approx(total - first_day)

    @settings(deadline=None, max_examples=150)
    @given(
        rows=purchases,
        split_days_before_end=st.integers(min_value=1, max_value=400),
        unit=st.sampled_from(["day", "week"]),
        include_first=st.booleans(),
    )
    def test_calibration_and_holdout_follow_the_purchase_days(
        self,
        rows: list[tuple[str, dt.date, Decimal]],
        split_days_before_end: int,
        unit: str,
        include_first: bool,
    ) -> None:
        """Each customer's split, in days or weeks, worked out by hand from their rows."""
        split = day(split_days_before_end)
        per_unit = {"day": 1, "week": 7}[unit]
        result = calibration_and_holdout(
            rows,
            calibration_end=split,
            observation_end=END,
            unit=unit,  # type: ignore[arg-type]
            include_first=include_first,
        )
        expected = {}
        for customer in dict.fromkeys(row[0] for row in rows if row[1] <= split):
            totals: dict[dt.date, Decimal] = {}
            for _, when, amount in (row for row in rows if row[0] == customer):
                totals[when] = totals.get(when, Decimal(0)) + amount
            before = sorted(when for when in totals if when <= split)
            after = [totals[when] for when in totals if when > split]
            counted = [totals[when] for when in (before if include_first else before[1:])]
            calibration = CustomerSummary(
                customer,
                len(before) - 1,
                (before[-1] - before[0]).days / per_unit,
                (split - before[0]).days / per_unit,
                sum(counted, Decimal(0)) / len(counted) if counted else Decimal(0),
                unit,  # type: ignore[arg-type]
            )
            holdout_mean = sum(after, Decimal(0)) / len(after) if after else Decimal(0)
            duration = split_days_before_end / per_unit
            expected[customer] = HoldoutSummary(calibration, len(after), holdout_mean, duration)
        assert result == expected
        assert list(result) == list(expected)

    @settings(deadline=None, max_examples=100)
    @given(
        rows=purchases,
        hours=st.lists(st.integers(min_value=0, max_value=23), min_size=40, max_size=40),
        offsets=st.lists(st.integers(min_value=-12, max_value=14), min_size=40, max_size=40),
    )
    def test_datetimes_summarise_as_their_local_dates(
        self, rows: list[tuple[str, dt.date, Decimal]], hours: list[int], offsets: list[int]
    ) -> None:
        """Aware datetimes at any offset count on their own local date, as dates would."""
        timed = [
            (
                customer,
                dt.datetime.combine(when, dt.time(hour), dt.timezone(dt.timedelta(hours=offset))),
                amount,
            )
            for (customer, when, amount), hour, offset in zip(rows, hours, offsets, strict=False)
        ]
        assert summarize(timed, observation_end=END) == summarize(rows, observation_end=END)
