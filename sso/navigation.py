from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Sign-in"), "sso_settings", (policy.HR_MANAGER,), order=96))
navigation.register(Entry(_("Email domains"), "platform_domains", (), public_host=True, platform_staff=True, order=91))
