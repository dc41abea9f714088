"""`{% coachee_stakeholder_panel employee_id %}`: a coachee's released stakeholder feedback, for the coach's
pages (stakeholders/_coachee_panel.html), read as the signed-in coach through the policy."""

from django import template

from portal import policy
from stakeholders import selectors

register = template.Library()


@register.inclusion_tag("stakeholders/_coachee_panel.html", takes_context=True)
def coachee_stakeholder_panel(context, employee_id: int) -> dict:
    actor = policy.current_actor(context["request"])
    if not actor.is_coach:
        return {"stakeholder_results": [], "stakeholder_change": []}
    coach = actor.acting_as(policy.COACH)
    return {
        "stakeholder_results": selectors.released_for_coach(actor=coach, employee_id=employee_id),
        "stakeholder_change": selectors.change_for(actor=coach, employee_id=employee_id),
    }
