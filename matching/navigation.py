"""Menu entries of the coach pool and of choosing a coach."""

from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Coach pool"), "pool", (policy.HR_MANAGER, policy.COACH), order=35))
navigation.register(Entry(_("Your coach"), "my_coach", (policy.EMPLOYEE,), order=36))
