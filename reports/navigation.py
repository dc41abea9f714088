from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Reports"), "reports_dashboard", (policy.HR_MANAGER,), order=70))
navigation.register(Entry(_("My reports"), "coach_reports", (policy.COACH,), order=72))
navigation.register(Entry(_("My data"), "my_data", (policy.EMPLOYEE,), order=95))
navigation.register(
    Entry(_("Offboarding"), "platform_offboarding", (), public_host=True, platform_staff=True, order=92)
)
navigation.register(Entry(_("Platform audit"), "platform_audit", (), public_host=True, platform_staff=True, order=94))
