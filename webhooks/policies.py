"""Access rules of webhooks (see portal.policy): the organisation's HR managers only."""

from django.db.models import QuerySet

from portal import policy
from portal.policy import Actor
from webhooks.models import Attempt, Delivery, Endpoint, Message


def _hr_only(actor: Actor, rows: QuerySet) -> QuerySet:
    return rows if actor.is_hr else rows.none()


for _model in (Endpoint, Message, Delivery, Attempt):
    policy.rule(_model)(_hr_only)
