"""Navigation entries for assessments: each role finds its own way in. The instruments are reached from
the assessment pages of HR and coaches (the menu is full enough)."""

from django.utils.translation import gettext_lazy as _

from assessments.navigation import journal  # noqa: F401  (its entries register as it loads)
from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("My assessments"), "assignment_list", (policy.EMPLOYEE,), order=20))
navigation.register(Entry(_("Assessments"), "assignment_coaching", (policy.COACH,), order=22))
navigation.register(Entry(_("Assessments"), "assignment_overview", (policy.HR_MANAGER,), order=24))
