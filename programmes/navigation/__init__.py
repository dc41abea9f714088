"""Menu entries for programmes, enrolment and the coaching agreement."""

from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry
from programmes.navigation import sessions  # noqa: F401  (its entries register as it loads)

navigation.register(
    Entry(_("Programmes"), "programme_list", (policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE), order=20)
)
navigation.register(Entry(_("Enrolments"), "enrolment_list", (policy.HR_MANAGER, policy.COACH), order=30))
