"""Navigation entries for stakeholder feedback."""

from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Stakeholder feedback"), "stakeholder_rounds", (policy.EMPLOYEE, policy.COACH), order=26))
navigation.register(Entry(_("Stakeholder feedback"), "stakeholder_overview", (policy.HR_MANAGER,), order=27))
