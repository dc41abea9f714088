"""Reads for instruments: the library, one version in the editor, the questions of an assessment."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from assessments.models import Dimension, Instrument, InstrumentVersion, Question
from portal import policy


def instrument_library(*, actor: policy.Actor) -> list[InstrumentVersion]:
    """The current version of every instrument in use here, built-in ones first (one query)."""
    return list(
        policy.scope(actor, InstrumentVersion)
        .filter(is_latest=True, instrument__archived_at__isnull=True)
        .select_related("instrument__created_by")
        .annotate(
            question_count=Count("questions", distinct=True),
            scheduled_count=Count("instrument__phase_assessments", distinct=True),
        )
        .order_by("-instrument__is_builtin", "title_en", "pk")
    )


def versions_to_schedule(*, actor: policy.Actor):
    """What HR can schedule in a phase: the current version of every instrument with questions."""
    return (
        policy.scope(actor, InstrumentVersion)
        .filter(is_latest=True, instrument__archived_at__isnull=True)
        .filter(Q(questions__isnull=False))
        .distinct()
        .select_related("instrument")
        .order_by("-instrument__is_builtin", "title_en")
    )


def can_edit(actor: policy.Actor, instrument: Instrument) -> bool:
    """HR edits every instrument of the organisation, a coach the ones they made; nobody the built-ins."""
    if instrument.is_builtin or instrument.archived_at is not None:
        return False
    return actor.is_hr or (actor.is_coach and instrument.created_by_id == actor.user_id)


@dataclass
class Editor:
    version: InstrumentVersion
    dimensions: list[Dimension]
    questions: list[Question]
    latest: InstrumentVersion
    scheduled: int
    editable: bool  # the actor may change it (a frozen version then makes a new one)

    @property
    def is_current(self) -> bool:
        return self.version.pk == self.latest.pk


def instrument_editor(*, actor: policy.Actor, pk: int) -> Editor:
    """One version with its dimensions, bands, questions and options: five queries, six for an old one."""
    versions = (
        policy.scope(actor, InstrumentVersion)
        .select_related("instrument__created_by")
        .annotate(scheduled=Count("phase_assessments"))
    )
    version = policy.get_or_404(actor, InstrumentVersion, versions, pk=pk)
    dimensions = list(version.dimensions.prefetch_related("bands"))
    questions = list(version.questions.select_related("dimension").prefetch_related("choices"))
    latest = (
        version
        if version.is_latest
        else InstrumentVersion.objects.get(instrument_id=version.instrument_id, is_latest=True)
    )
    editable = can_edit(actor, version.instrument) and version.is_latest
    return Editor(
        version=version,
        dimensions=dimensions,
        questions=questions,
        latest=latest,
        scheduled=version.scheduled,
        editable=editable,
    )


def version_questions(version: InstrumentVersion) -> list[Question]:
    """The questions of a version the caller already holds through the policy, with options (two queries)."""
    return list(Question.objects.filter(version_id=version.pk).select_related("dimension").prefetch_related("choices"))
