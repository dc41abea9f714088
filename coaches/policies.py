"""Access rule for coach profiles (see portal/policy.py).

A coach reads and edits their own profile wherever they are. On an organisation's host, its members read
the profiles of the coaches who accepted a place in its pool (matching.PoolMember): the coach's yes per
organisation is what shows the profile there; an invited coach's profile stays with the coach.
"""

from django.db.models import Q, QuerySet

from coaches.models import CoachProfile
from portal import policy
from portal.policy import Actor


@policy.rule(CoachProfile)
def coach_profiles_visible(actor: Actor, profiles: QuerySet) -> QuerySet:
    visible = Q(coach_id=actor.user_id)
    if actor.organisation is not None and actor.roles:
        # Imported here: matching is an organisation's app, whose tables exist only on an organisation host.
        from matching.selectors import pool_coach_ids

        visible |= Q(coach_id__in=pool_coach_ids(actor.organisation))
    return profiles.filter(visible)
