"""Stakeholder feedback for `seed_demo`: the first demo employee of each organisation has a finished start
and end round, answered by a manager who agreed to be named, peers, direct reports and others, with their
self-rating beside, the start released to their coach."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from assessments.models import Question
from programmes.models import Enrolment
from stakeholders import services
from stakeholders.models import Rater, Round
from tenants.models import Organisation
from tenants.tokens import digest_of


@dataclass(frozen=True)
class Given:
    """One rater of a seeded round: their relation, whether a manager agreed to be named, the value they
    give every scale question (reversed items the other way round), and their comment (or none)."""

    relation: str
    value: int
    comment: str = ""
    named: bool = False
    submitted: bool = True


def round_answered(
    enrolment: Enrolment,
    moment: str,
    raters: list[Given],
    *,
    closes_on: date,
    self_value: int | None = None,
    released: bool = False,
    slug: str = "",
) -> Round:
    """A round about `enrolment`'s employee, answered through the same service raters use, then dated to
    close on `closes_on` (in the past: finished). Raters get addresses at example.test."""
    version = services.default_version()
    round = Round.objects.create(
        enrolment=enrolment,
        employee_id=enrolment.employee_id,
        moment=moment,
        version=version,
        closes_on=timezone.localdate() + timedelta(days=14),
        released_at=timezone.now() if released else None,
    )
    questions = list(Question.objects.filter(version=version).order_by("position"))
    people = [
        (item, f"rater{number}-{moment}-{slug or enrolment.pk}@example.test") for number, item in enumerate(raters, 1)
    ]
    if self_value is not None:
        people.append((Given(Rater.Relation.SELF, self_value), ""))
    for item, email in people:
        rater = Rater.objects.create(
            round=round,
            relation=item.relation,
            email=email,
            token_digest=digest_of(secrets.token_urlsafe(32)) if email else "",
            invited_by_id=enrolment.employee_id,
        )
        if not item.submitted:
            continue
        answers = {}
        for question in questions:
            if question.is_scale:
                value = question.scale_max + 1 - item.value if question.reverse_scored else item.value
                answers[question.pk] = str(value)
            elif item.comment and question.position == len(questions) - 1:
                answers[question.pk] = item.comment
        services.answers_save(rater=rater, answers=answers, submit=True, named=item.named)
    Round.objects.filter(pk=round.pk).update(closes_on=closes_on)
    round.closes_on = closes_on
    return round


START = [
    Given(Rater.Relation.MANAGER, 3, named=True),
    Given(Rater.Relation.PEER, 3, "Listens well in one-to-ones."),
    Given(Rater.Relation.PEER, 2, "Could share plans earlier."),
    Given(Rater.Relation.PEER, 3, "Calm when deadlines move."),
    Given(Rater.Relation.DIRECT_REPORT, 2),
    Given(Rater.Relation.DIRECT_REPORT, 3),
    Given(Rater.Relation.OTHER, 3),
]
END = [
    Given(Rater.Relation.MANAGER, 4, named=True),
    Given(Rater.Relation.PEER, 4, "Asks for our view before deciding."),
    Given(Rater.Relation.PEER, 4, "Clear about priorities every Monday."),
    Given(Rater.Relation.PEER, 5, "Gives specific feedback now."),
    Given(Rater.Relation.DIRECT_REPORT, 4),
    Given(Rater.Relation.DIRECT_REPORT, 4),
    Given(Rater.Relation.OTHER, 4),
]


def seed(organisation: Organisation) -> None:
    enrolment = Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).order_by("programme__starts_on", "pk").first()
    if enrolment is None or Round.objects.filter(enrolment__employee_id=enrolment.employee_id).exists():
        return
    today = timezone.localdate()
    round_answered(
        enrolment, Round.Moment.START, START, closes_on=today - timedelta(days=80), self_value=4, released=True
    )
    round_answered(enrolment, Round.Moment.END, END, closes_on=today - timedelta(days=2), self_value=4)
