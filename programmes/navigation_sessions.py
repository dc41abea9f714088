from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Sessions"), "sessions", (policy.EMPLOYEE, policy.COACH, policy.HR_MANAGER), order=10))
# The public host knows no roles (roles belong to an organisation): the workspace explains itself to
# someone who coaches nowhere.
navigation.register(Entry(_("Workspace"), "coach_workspace", (), public_host=True, order=5))
