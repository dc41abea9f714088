"""The stakeholder feedback part of the test world, on top of the programmes part.

`employee` has a finished start round (released to their coach) and a finished end round (not released);
`employee2` has an open start round with two raters who have not answered and one who submitted. Keys in
`org.people` start with `s_`; the raw tokens of the rater links are known here (their digests are set to
match), so tests can open the links: `s_token_open` (answering possible), `s_token_used` (submitted),
`s_token_closed` (the end round of `employee`, closed, never answered).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from programmes.models import Enrolment
from stakeholders.demo import END, START, Given, round_answered
from stakeholders.models import Rater, Round
from tenants.tokens import digest_of

_known: dict[str, dict] = {}


def token(org, name: str) -> str:
    return f"world-{org.organisation.slug}-{name}"


def _build(org) -> dict:
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    enrolment2 = Enrolment.objects.get(pk=org.people["enrolment2"])
    today = timezone.localdate()
    start = Round.objects.filter(enrolment=enrolment, moment=Round.Moment.START).first()
    if start is None:
        slug = org.organisation.slug
        start = round_answered(
            enrolment, "start", START, closes_on=today - timedelta(days=60), self_value=3, released=True, slug=slug
        )
        end = round_answered(
            enrolment,
            "end",
            [*END, Given(Rater.Relation.PEER, 4, submitted=False)],
            closes_on=today - timedelta(days=1),
            self_value=4,
            slug=slug,
        )
        open_round = round_answered(
            enrolment2,
            "start",
            [
                Given(Rater.Relation.PEER, 3, submitted=False),
                Given(Rater.Relation.MANAGER, 3, submitted=False),
                Given(Rater.Relation.PEER, 4, "Kind and clear."),
            ],
            closes_on=today + timedelta(days=10),
            slug=slug,
        )
        unanswered = end.raters.filter(submitted_at__isnull=True).exclude(relation="self").get()
        Rater.objects.filter(pk=unanswered.pk).update(token_digest=digest_of(token(org, "closed")))
        first, _manager, used = open_round.raters.order_by("pk")
        Rater.objects.filter(pk=first.pk).update(token_digest=digest_of(token(org, "open")))
        Rater.objects.filter(pk=used.pk).update(token_digest=digest_of(token(org, "used")))
    rounds = dict(Round.objects.values_list("moment", "pk").filter(enrolment=enrolment))
    return {
        "s_start": rounds["start"],
        "s_end": rounds["end"],
        "s_open": Round.objects.get(enrolment=enrolment2, moment="start").pk,
        "s_token_open": token(org, "open"),
        "s_token_used": token(org, "used"),
        "s_token_closed": token(org, "closed"),
    }


def stakeholders_world(world) -> None:
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org)
        org.people.update(_known[schema])
