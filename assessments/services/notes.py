"""Writes for what the coach records about a session: a private note, and a summary shared with the employee."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from assessments.models.journal import SessionNote, SessionSummary
from assessments.services.reflections import clean_text
from portal import policy
from programmes.models import Session


def _leads(actor: policy.Actor, session: Session) -> None:
    policy.require(actor, policy.COACH)
    if session.coach_id != actor.user_id:
        raise PermissionDenied(_("Only the coach who leads the session can write about it."))


def session_note_save(*, actor: policy.Actor, session: Session, body: str) -> SessionNote:
    """The coach's private note on their session: one per session, written over on each save."""
    _leads(actor, session)
    text = clean_text(body, field="body", empty_message=_("Write your note first."))
    note, _created = SessionNote.objects.update_or_create(
        session=session, author_id=actor.user_id, defaults={"body": text}
    )
    return note


def session_note_delete(*, actor: policy.Actor, note: SessionNote) -> None:
    if note.author_id != actor.user_id:
        raise PermissionDenied(_("Only the author of a note can remove it."))
    note.delete()


def session_summary_save(*, actor: policy.Actor, session: Session, body: str) -> SessionSummary:
    """The summary the coach shares with the employee (with everyone in a group session)."""
    _leads(actor, session)
    text = clean_text(body, field="body", empty_message=_("Write the summary first."))
    summary, _created = SessionSummary.objects.update_or_create(
        session=session, defaults={"body": text, "author_id": actor.user_id}
    )
    return summary
