"""Access rules of stakeholder feedback (DESIGN.md, the confidentiality table: "stakeholder (360) answers").

The employee sees their own rounds and whom they asked; their coach sees the rounds (results only once
released, stakeholders.selectors.results) and, where the employee consented to the coach inviting, whom
was asked. HR has no rule that yields a round: its completion counts come from reports.disclosure. No one
reads an answer row through the policy: answers leave the database only as aggregates per rater group.
"""

from django.db.models import Q, QuerySet

from assessments.policies import coachee_ids
from portal import policy
from stakeholders.models import Rater, RaterAnswer, Round

_NOTHING = Q(pk__in=[])


def _rounds(actor: policy.Actor, prefix: str = "") -> Q:
    visible = _NOTHING
    if actor.is_employee:
        visible |= Q(**{f"{prefix}employee_id": actor.user_id})
    if actor.is_coach:
        visible |= Q(**{f"{prefix}employee_id__in": coachee_ids(actor)})
    return visible


@policy.rule(Round)
def rounds_visible(actor: policy.Actor, rounds: QuerySet) -> QuerySet:
    return rounds.filter(_rounds(actor))


@policy.rule(Rater)
def raters_visible(actor: policy.Actor, raters: QuerySet) -> QuerySet:
    # Whom was asked: the employee who asked them, and a coach the employee let invite for them.
    visible = _NOTHING
    if actor.is_employee:
        visible |= Q(round__employee_id=actor.user_id)
    if actor.is_coach:
        visible |= Q(round__employee_id__in=coachee_ids(actor), round__coach_may_invite_at__isnull=False)
    return raters.filter(visible)


@policy.rule(RaterAnswer)
def answers_visible(actor: policy.Actor, answers: QuerySet) -> QuerySet:
    # Never one by one, to anyone: the selectors aggregate them per rater group.
    return answers.none()


# A coach shown a coachee's released results is written in the coachee's access log, as a read of the round
# (its id opens the results for the employee). The round itself is not the content, so listing rounds is
# not a read: stakeholders.selectors.results records the round when it shows the figures.
policy.audit(Round, kind="stakeholders", owner="employee_id", content=("released_at",), on_scope=False)
