from django.utils.translation import gettext_lazy as _

from portal import navigation, policy
from portal.navigation import Entry

navigation.register(Entry(_("Goals"), "goals", (policy.EMPLOYEE, policy.COACH), order=40))
navigation.register(Entry(_("Reflections"), "reflections", (policy.EMPLOYEE, policy.COACH), order=42))
navigation.register(Entry(_("Engagement"), "journal_engagement", (policy.HR_MANAGER,), order=62))
navigation.register(Entry(_("How you feel"), "pulses", (policy.EMPLOYEE,), order=43))
