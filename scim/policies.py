"""Access rules of SCIM provisioning (see portal.policy): the organisation's HR managers only."""

from django.db.models import QuerySet

from portal import policy
from portal.policy import Actor
from scim.models import ScimToken, ScimUser


def _hr_only(actor: Actor, rows: QuerySet) -> QuerySet:
    return rows if actor.is_hr else rows.none()


for _model in (ScimToken, ScimUser):
    policy.rule(_model)(_hr_only)
