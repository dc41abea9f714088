"""Each session keeps its attendance counted per status (`Session.present_count` and the others), so that
HR's dashboard sums a few thousand sessions instead of reading every attendance row.

The counts are never adjusted by a difference: every change to a session's attendance rows (made in a
service, a demo or a benchmark) calls `attendance_counts_refresh` for the sessions it touched, in the same
transaction, and that recounts them from the rows. No database trigger does it: triggers are not allowed on
Citus' distributed tables. Deleting a session deletes its rows and its counts together; anonymising an
erased person's rows changes no status.

The caller holds the sessions' rows locked (`select_for_update`) or made them in this transaction, so that
two changes to one session's attendance cannot recount it from different snapshots.
`attendance_counts_mismatched` compares the counts with the rows (tests, `manage.py attendance_counts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from programmes.models import Attendance, Session

# Each status and the field of Session that counts it.
COUNT_FIELDS = {
    Attendance.Status.PRESENT: "present_count",
    Attendance.Status.ABSENT: "absent_count",
    Attendance.Status.EXCUSED: "excused_count",
    Attendance.Status.EXPECTED: "expected_count",
}


def _counted(status: str) -> Coalesce:
    rows = (
        Attendance.objects.filter(session_id=OuterRef("pk"), status=status)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def attendance_counts_refresh(*, session_ids: Iterable[int]) -> None:
    """Recount the attendance of these sessions from their rows (one statement)."""
    ids = sorted(set(session_ids))
    if ids:
        Session.objects.filter(pk__in=ids).update(**{field: _counted(status) for status, field in COUNT_FIELDS.items()})


@dataclass(frozen=True)
class Mismatch:
    session_id: int
    kept: dict[str, int]
    counted: dict[str, int]


def attendance_counts_mismatched() -> list[Mismatch]:
    """The sessions of the current schema whose kept counts differ from a fresh count of their rows (one
    statement)."""
    fresh = {f"fresh_{field}": _counted(status) for status, field in COUNT_FIELDS.items()}
    agree = {field: F(f"fresh_{field}") for field in COUNT_FIELDS.values()}
    rows = (
        Session.objects.annotate(**fresh).exclude(**agree).order_by("pk").values("pk", *COUNT_FIELDS.values(), *fresh)
    )
    return [
        Mismatch(
            session_id=row["pk"],
            kept={field: row[field] for field in COUNT_FIELDS.values()},
            counted={field: row[f"fresh_{field}"] for field in COUNT_FIELDS.values()},
        )
        for row in rows
    ]


@transaction.atomic
def attendance_counts_repair() -> int:
    """Recount every session whose counts differ from its rows; how many there were."""
    mismatched = [mismatch.session_id for mismatch in attendance_counts_mismatched()]
    if mismatched:
        locked = Session.objects.select_for_update().filter(pk__in=mismatched).values_list("pk", flat=True)
        attendance_counts_refresh(session_ids=list(locked))
    return len(mismatched)
