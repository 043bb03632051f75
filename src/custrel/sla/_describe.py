"""Plain-language Markdown for staff: what a policy book promises, on which hours, who is told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from custrel.calendars import BusinessCalendar
from custrel.cases import CaseStatus, Priority
from custrel.sla._metrics import Metric

if TYPE_CHECKING:
    from custrel.sla._book import PolicyBook
    from custrel.sla._policy import SlaPolicy

__all__ = ["describe_book", "describe_policy"]

_STATUS_WORDS = {
    CaseStatus.NEW: "new",
    CaseStatus.OPEN: "open",
    CaseStatus.WAITING_ON_CUSTOMER: "waiting on the customer",
    CaseStatus.ON_HOLD: "on hold",
}
_MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


def _join(words: list[str], joiner: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def _mark(index: int) -> str:
    return _MARKS[index] if index < len(_MARKS) else f"[{index + 1}]"


def _pauses(policy: SlaPolicy) -> str:
    pausing = [Metric.RESOLUTION, Metric.PERIODIC_UPDATE]
    measured = [m for m in pausing if any(t.get(m) is not None for t in policy.targets.values())]
    if not measured:
        return "First and next response never pause: they wait on the company."
    clocks = _join([m.label for m in measured])
    clock_word = "clocks" if len(measured) > 1 else "clock"
    verb = "pause" if len(measured) > 1 else "pauses"
    if not policy.pause_on:
        return (
            f"The {clocks} {clock_word} never {verb}; first and next response never pause either."
        )
    statuses = [_STATUS_WORDS[status] for status in CaseStatus if status in policy.pause_on]
    return (
        f"The {clocks} {clock_word} {verb} while the case is {_join(statuses, 'or')}, and "
        "between a resolution and a reopening; first and next response never pause: they "
        "wait on the company."
    )


def describe_policy(policy: SlaPolicy, *, level: int = 2) -> str:
    """Return one policy as Markdown, its title at heading *level*."""
    lines = [f"{'#' * level} {policy.name}", "", f"Applies to: {policy.scope()}.", ""]
    lines += [f"Business hours: {policy.calendar.describe()}", "", _pauses(policy), ""]
    metrics = [m for m in Metric if any(t.get(m) is not None for t in policy.targets.values())]
    notes: list[BusinessCalendar] = []
    lines.append("| Priority | " + " | ".join(m.label.capitalize() for m in metrics) + " |")
    lines.append("| --- " * (len(metrics) + 1) + "|")
    for priority in sorted(Priority, key=lambda p: -p.rank):
        targets = policy.targets[priority]
        cells = []
        for name in metrics:
            cell = targets.describe(name)
            calendar = targets.calendar_for(name, policy.calendar)
            if cell != "-" and calendar != policy.calendar:
                if calendar not in notes:
                    notes.append(calendar)
                cell += " " + _mark(notes.index(calendar))
            cells.append(cell)
        lines.append(f"| {priority.value.capitalize()} | " + " | ".join(cells) + " |")
    lines.append("")
    for index, calendar in enumerate(notes):
        lines += [f"{_mark(index)} Counted on other hours: {calendar.describe()}", ""]
    if policy.escalations:
        lines += ["Escalations:", ""]
        for step in policy.escalations:
            who = _join([name.replace("_", " ") for name in step.notify])
            when = step.describe()
            lines.append(f"- {when[0].upper()}{when[1:]}: notify {who} (step `{step.name}`).")
        lines.append("")
    return "\n".join(lines)


def describe_book(book: PolicyBook) -> str:
    """Return a whole book as Markdown: how a policy is chosen, then each policy."""
    lines = ["# Service levels", ""]
    if book.policies:
        order = _join([f"**{policy.name}**" for policy in book.policies], "then")
        lines.append(
            f"A case gets the first of these policies that applies to it, tried in this order: "
            f"{order}. Cases none of them takes get **{book.default.name}**."
        )
    else:
        lines.append(f"Every case gets **{book.default.name}**.")
    lines += [
        "",
        (
            "Targets are business time: a clock runs only while the business is open, so with "
            "09:00-17:00 hours a target of 4 business hours set at 15:00 on a Monday is due at "
            "11:00 on Tuesday. A policy follows the case's current kind and priority."
        ),
        "",
    ]
    for policy in book:
        text = describe_policy(policy, level=2)
        if policy is book.default:
            text = text.replace(
                f"Applies to: {policy.scope()}.", "Applies to: every case no other policy takes.", 1
            )
        lines.append(text)
    return "\n".join(lines).rstrip() + "\n"
