"""The read audit: every time someone other than the employee opens their sensitive data. Its own module,
neither a service nor a selector: the policy, services and selectors all record reads through it.

Rows of content are recorded by the policy as it hands them out (`policy.audit`, registered in
assessments/policies.py), so no list, detail, fragment, API answer or PDF can forget it; call these by hand
only for content read as values rather than rows (HR's shared goal progress). The log holds who, what kind,
which object and when: never the content.
"""

from __future__ import annotations

from collections.abc import Iterable

from assessments.models.journal import AccessLogEntry
from portal import policy

KINDS = frozenset(AccessLogEntry.Kind.values)


def _reader(actor) -> tuple[int | None, str]:
    """The reading user's id and the role they read in, from a policy.Actor or a plain user."""
    if isinstance(actor, policy.Actor):
        # A person may hold several roles here; the one that grants the most content is named.
        for role in (policy.COACH, policy.HR_MANAGER, policy.EMPLOYEE):
            if role in actor.roles:
                return actor.user_id, role
        return actor.user_id, ""
    return getattr(actor, "pk", None), ""


def _owner_id(owner) -> int | None:
    return owner if isinstance(owner, int) else getattr(owner, "pk", None)


def record_read(*, actor, owner, kind: str, object_id: int) -> None:
    """Note that `actor` opened `owner`'s `kind` #object_id: one INSERT, nothing when they read their own."""
    record_reads(actor=actor, owner=owner, kind=kind, object_ids=[object_id])


def record_reads(*, actor, owner, kind: str, object_ids: Iterable[int]) -> None:
    """Several objects of one owner read at once (a list): still a single INSERT."""
    if kind not in KINDS:
        raise ValueError(f"unknown access log kind {kind!r}")
    reader_id, role = _reader(actor)
    owner_id = _owner_id(owner)
    if reader_id is None or owner_id is None or reader_id == owner_id:
        return
    entries = [
        AccessLogEntry(owner_id=owner_id, reader_id=reader_id, reader_role=role, kind=kind, object_id=object_id)
        for object_id in dict.fromkeys(object_ids)
    ]
    if entries:
        AccessLogEntry.objects.bulk_create(entries)


def record_reads_of_many(*, actor, kind: str, pairs: Iterable[tuple[int, int]]) -> None:
    """Objects of several owners read at once, as (owner_id, object_id) pairs: a single INSERT."""
    if kind not in KINDS:
        raise ValueError(f"unknown access log kind {kind!r}")
    reader_id, role = _reader(actor)
    if reader_id is None:
        return
    entries = [
        AccessLogEntry(owner_id=owner_id, reader_id=reader_id, reader_role=role, kind=kind, object_id=object_id)
        for owner_id, object_id in dict.fromkeys(pairs)
        if owner_id != reader_id
    ]
    if entries:
        AccessLogEntry.objects.bulk_create(entries)


def record_reads_together(reads: Iterable[tuple]) -> None:
    """Reads of rows handed out by the policy, as (actor, kind, owner_id, object_id): a single INSERT.
    Registered with `policy.record_reads_with` (assessments/policies.py)."""
    entries = []
    for actor, kind, owner_id, object_id in reads:
        if kind not in KINDS:
            raise ValueError(f"unknown access log kind {kind!r}")
        reader_id, role = _reader(actor)
        if reader_id is not None and owner_id != reader_id:
            entries.append(
                AccessLogEntry(owner_id=owner_id, reader_id=reader_id, reader_role=role, kind=kind, object_id=object_id)
            )
    if entries:
        AccessLogEntry.objects.bulk_create(entries)
