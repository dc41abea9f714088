"""The coach's menu entry for their profile, on the public host."""

from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Coach profile"), "coach_profile", (policy.COACH,), public_host=True, order=6))
