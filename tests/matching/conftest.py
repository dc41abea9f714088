"""Shared by the matching tests."""

import pytest

from matching.models import PoolMember
from programmes.models import Cohort, Enrolment
from tenants.services import membership_grant
from tests.world import user_ensure


@pytest.fixture
def chooser(world, in_tenant, actor):
    """A new employee of acme in the world's programme (employees choose there), without a coach, in a
    cohort nobody coaches."""
    org = world.acme
    user = user_ensure("chooser@acme.test", "Chris", "Chooser")
    with in_tenant(org):
        membership_grant(user=user, organisation=org.organisation, role="employee")
        cohort = Cohort.objects.create(programme_id=org.people["programme"], name="Cohort C")
        enrolment = Enrolment.objects.create(
            programme_id=org.people["programme"],
            cohort=cohort,
            employee=user,
            status=Enrolment.Status.ACTIVE,
            credit_allowance=4,
        )
        PoolMember.objects.filter(pk=org.people["pool_both"]).update(status=PoolMember.Status.ACCEPTED)
    return user, enrolment, actor(user, org)
