from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Webhooks"), "webhooks", (policy.HR_MANAGER,), order=97))
