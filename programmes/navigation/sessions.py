from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Sessions"), "sessions", (policy.EMPLOYEE, policy.COACH, policy.HR_MANAGER), order=10))
# The urgent route, at a glance on every page an employee sees: a moment of need is no time to look for it.
navigation.register(Entry(_("Talk to someone now"), "urgent_request", (policy.EMPLOYEE,), prominent=True, order=99))
# On the public host: for whoever coaches in at least one organisation (the page still explains itself
# to someone who follows an old link after they stopped coaching).
navigation.register(Entry(_("Workspace"), "coach_workspace", (policy.COACH,), public_host=True, order=5))
