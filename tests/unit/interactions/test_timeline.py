from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import ValidationError
from custrel.interactions import (
    MAX_PAGE_SIZE,
    Channel,
    Interaction,
    InteractionKind,
    TimelineCursor,
    TimelinePage,
    TimelineQuery,
)
from custrel.storage.memory import MemoryStore
from custrel.storage.protocols import Store
from custrel.storage.sql import SqlStore

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


def contact(external_id: str, minute: int, **fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "external_id": external_id,
        "customer_id": "k-1",
        "at": T0.add(minutes=minute),
        "channel": "email",
        "direction": "inbound",
        "kind": "inquiry",
    }
    return Interaction(**(values | fields))


def next_cursor(page: TimelinePage, used: set[str]) -> str | None:
    """The page's cursor; one handed out twice fails the test instead of paging forever."""
    cursor = page.next_cursor
    if cursor is not None:
        assert cursor not in used, f"the cursor {cursor!r} came twice: paging would not end"
        used.add(cursor)
    return cursor


def pages(store: Store, limit: int, **filters: Any) -> Iterator[TimelinePage]:
    used: set[str] = set()
    cursor = None
    while True:
        with store.unit_of_work() as uow:
            page = uow.interactions.timeline("k-1", limit=limit, cursor=cursor, **filters)
        yield page
        cursor = next_cursor(page, used)
        if cursor is None:
            return


def log(store: Store, interactions: list[Interaction]) -> None:
    with store.unit_of_work() as uow:
        for interaction in interactions:
            uow.interactions.log(interaction)
        uow.commit()


class TestCursor:
    def test_encode_decode_round_trip(self) -> None:
        """A cursor decodes to the instant (in UTC) and position it was made from."""
        cursor = TimelineCursor(T0, 42)
        decoded = TimelineCursor.decode(cursor.encode())
        assert decoded == cursor
        assert decoded.at.timezone_name == "UTC"

    def test_encoded_cursor_is_an_opaque_url_safe_string(self) -> None:
        """The encoded form uses only URL-safe characters and no padding."""
        encoded = TimelineCursor(T0, 7).encode()
        assert encoded.replace("-", "").replace("_", "").isalnum()
        assert "=" not in encoded

    @pytest.mark.parametrize(
        "cursor",
        [
            "",
            "not-a-cursor",
            "dDE6",  # "t1:" and nothing else
            "eDE6MjAyNi0xMS0yM1QwODowMDowMCswMDowMHw1",  # wrong version prefix
            TimelineCursor(T0, 5).encode()[:-3],
            "////",
            "dDE6eWVzdGVyZGF5fDU",  # "t1:yesterday|5"
        ],
    )
    def test_malformed_cursors_are_refused(self, cursor: str) -> None:
        """A string this library did not make is refused with ValidationError on 'cursor'."""
        with pytest.raises(ValidationError, match=r"^cursor: not a timeline cursor") as error:
            TimelineCursor.decode(cursor)
        assert error.value.value == cursor

    def test_a_cursor_must_be_a_string(self) -> None:
        """Anything but a string is refused."""
        with pytest.raises(ValidationError, match=r"^cursor: expected a cursor string"):
            TimelineCursor.decode(5)

    def test_cursors_order_by_instant_then_position(self) -> None:
        """Cursors compare as (instant, position), whatever the zone of the instant."""
        fold = pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Oslo")
        assert TimelineCursor(fold, 1) < TimelineCursor(fold.in_timezone("UTC"), 2)
        assert TimelineCursor(fold, 9) < TimelineCursor(fold.add(microseconds=1), 1)


class TestQuery:
    @pytest.mark.parametrize("limit", [0, MAX_PAGE_SIZE + 1, "10", True, 2.0])
    def test_limit_is_between_one_and_the_maximum(self, limit: object) -> None:
        """A page holds 1 to MAX_PAGE_SIZE interactions."""
        with pytest.raises(ValidationError, match=r"^limit: expected an int from 1 to 1000"):
            TimelineQuery(limit=limit)

    def test_until_before_since_is_refused(self) -> None:
        """An empty period given backwards is a mistake, not an empty page."""
        with pytest.raises(ValidationError, match=r"^until: must not be before since"):
            TimelineQuery(since=T0, until=T0.subtract(seconds=1))

    def test_empty_filters_are_refused(self) -> None:
        """An empty collection would match nothing: None means no filter."""
        with pytest.raises(ValidationError, match=r"^channels: an empty filter"):
            TimelineQuery(channels=[])

    def test_single_values_and_collections_are_both_accepted(self) -> None:
        """A filter takes one value (member or string) or a collection of them."""
        assert TimelineQuery(kinds="complaint").kinds == frozenset({InteractionKind.COMPLAINT})
        assert TimelineQuery(channels=Channel.SMS).channels == frozenset({Channel.SMS})
        both = TimelineQuery(channels=("sms", Channel.WEB)).channels
        assert both == frozenset({Channel.SMS, Channel.WEB})

    def test_unknown_values_and_bad_types_are_refused(self) -> None:
        """Unknown kinds, naive instants and non-bool flags are refused, naming the field."""
        with pytest.raises(ValidationError, match=r"^kinds: unknown InteractionKind"):
            TimelineQuery(kinds=["complaint", "rumour"])
        with pytest.raises(ValidationError, match=r"^since: naive datetime"):
            TimelineQuery(since=T0.naive())
        with pytest.raises(ValidationError, match=r"^with_opportunity: expected True or False"):
            TimelineQuery(with_opportunity=1)

    def test_the_page_is_a_sequence_of_interactions(self) -> None:
        """A TimelinePage iterates over its items and has their length."""
        page = TimelinePage((contact("a", 0), contact("b", 1)), None)
        assert [item.external_id for item in page] == ["a", "b"]
        assert len(page) == 2


instants = st.lists(st.integers(0, 4), min_size=0, max_size=25)


def new_store(backend: str) -> Store:
    if backend == "memory":
        return MemoryStore()
    sql = SqlStore("sqlite://")
    sql.create_schema()
    return sql


backends = pytest.mark.parametrize("backend", ["memory", "sqlite"])


class TestPagingProperties:
    @backends
    @settings(deadline=None, max_examples=40)
    @given(minutes=instants, limit=st.integers(1, 8))
    def test_paging_visits_each_interaction_once_in_order(
        self, backend: str, minutes: list[int], limit: int
    ) -> None:
        """Random instants with ties and any page size: every interaction once, newest first."""
        store = new_store(backend)
        log(store, [contact(f"m-{i}", minute) for i, minute in enumerate(minutes)])
        seen = [item.external_id for page in pages(store, limit) for item in page]
        expected = sorted(range(len(minutes)), key=lambda i: (minutes[i], i), reverse=True)
        assert seen == [f"m-{i}" for i in expected]
        assert all(len(page) <= limit for page in pages(store, limit))

    @backends
    @settings(deadline=None, max_examples=40)
    @given(
        minutes=instants,
        kinds=st.lists(st.sampled_from(["complaint", "inquiry", "support"]), min_size=25),
        wanted=st.sets(st.sampled_from(["complaint", "inquiry", "support"]), min_size=1),
        limit=st.integers(1, 6),
    )
    def test_filtered_paging_visits_exactly_the_matches(
        self,
        backend: str,
        minutes: list[int],
        kinds: list[str],
        wanted: set[str],
        limit: int,
    ) -> None:
        """A kind filter pages through exactly the matching interactions, once each."""
        store = new_store(backend)
        log(
            store,
            [contact(f"m-{i}", minute, kind=kinds[i]) for i, minute in enumerate(minutes)],
        )
        seen = [item.external_id for page in pages(store, limit, kinds=wanted) for item in page]
        expected = sorted(
            (i for i in range(len(minutes)) if kinds[i] in wanted),
            key=lambda i: (minutes[i], i),
            reverse=True,
        )
        assert seen == [f"m-{i}" for i in expected]

    @backends
    @settings(deadline=None, max_examples=30)
    @given(
        minutes=instants.filter(bool),
        inserts=st.lists(st.integers(-3, 3), max_size=10),
        limit=st.integers(1, 5),
    )
    def test_interactions_logged_while_paging_are_never_seen_twice(
        self, backend: str, minutes: list[int], inserts: list[int], limit: int
    ) -> None:
        """Logging between pages never repeats or skips an interaction that was there before.

        New interactions that sort after the cursor (older, or the same instant logged before
        it) are visited once; those sorting before it are not visited: they are "above" the
        reader, like new mail arriving while reading an inbox from the top.
        """
        store = new_store(backend)
        log(store, [contact(f"m-{i}", minute) for i, minute in enumerate(minutes)])
        seen: list[str] = []
        cursor = None
        pending = list(inserts)
        added: list[tuple[str, int]] = []
        used: set[str] = set()
        while True:
            with store.unit_of_work() as uow:
                page = uow.interactions.timeline("k-1", limit=limit, cursor=cursor)
            seen.extend(item.external_id for item in page)
            cursor = next_cursor(page, used)
            if cursor is None:
                break
            if pending:
                offset = pending.pop()
                last = page.items[-1].at
                new = contact(f"new-{len(added)}", 0, at=last.add(minutes=offset))
                log(store, [new])
                added.append((new.external_id, offset))
        assert len(seen) == len(set(seen))
        assert {f"m-{i}" for i in range(len(minutes))} <= set(seen)
        for external_id, offset in added:
            assert (external_id in seen) is (offset < 0), (external_id, offset)
