from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Home"), "home", (), order=0))
navigation.register(Entry(_("People"), "people", (policy.HR_MANAGER,), order=80))
navigation.register(Entry(_("Settings"), "organisation_settings", (policy.HR_MANAGER,), order=95))
navigation.register(Entry(_("API tokens"), "api_tokens_page", (), order=98))
navigation.register(Entry(_("My organisations"), "home", (), public_host=True, order=0))
navigation.register(
    Entry(_("Organisations"), "platform_organisations", (), public_host=True, platform_staff=True, order=90)
)
