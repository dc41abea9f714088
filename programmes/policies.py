"""Access rules of this app, registered with portal.policy."""

# --- programmes, cohorts, enrolments, agreement ---
# HR sees everything of its organisation; a coach sees the programmes, cohorts and people they coach
# (as a cohort's coach or as someone's 1:1 coach); an employee sees their own enrolment and programme.
# Every member reads the coaching agreement.

from django.db.models import Q, QuerySet  # noqa: E402

from portal import policy  # noqa: E402
from portal.policy import Actor  # noqa: E402
from programmes.models import (Agreement, AgreementAcceptance, Cohort, EmployeeProfile, Enrolment,  # noqa: E402
                               EnrolmentEvent, EnrolmentImport, Phase, Programme, Resource)


def _coached_cohort_ids(actor: Actor) -> QuerySet:
    return Cohort.coaches.through.objects.filter(user_id=actor.user_id).values("cohort_id")


def _enrolments_filter(actor: Actor) -> Q:
    """The enrolments a non-HR actor may see, for every role they hold here."""
    visible = Q(pk__in=[])
    if actor.is_coach:
        visible |= Q(coach_id=actor.user_id) | Q(cohort_id__in=_coached_cohort_ids(actor))
    if actor.is_employee:
        visible |= Q(employee_id=actor.user_id)
    return visible


def _visible_enrolments(actor: Actor) -> QuerySet:
    return Enrolment.objects.filter(_enrolments_filter(actor))


@policy.rule(Enrolment)
def enrolments_visible(actor: Actor, enrolments: QuerySet) -> QuerySet:
    if actor.is_hr:
        return enrolments
    return enrolments.filter(_enrolments_filter(actor))


@policy.rule(EnrolmentEvent)
def enrolment_events_visible(actor: Actor, events: QuerySet) -> QuerySet:
    if actor.is_hr:
        return events
    return events.filter(enrolment__in=_visible_enrolments(actor))


@policy.rule(Programme)
def programmes_visible(actor: Actor, programmes: QuerySet) -> QuerySet:
    if actor.is_hr:
        return programmes
    visible = Q(pk__in=_visible_enrolments(actor).values("programme_id"))
    if actor.is_coach:
        visible |= Q(pk__in=Cohort.objects.filter(pk__in=_coached_cohort_ids(actor)).values("programme_id"))
    return programmes.filter(visible)


@policy.rule(Phase)
def phases_visible(actor: Actor, phases: QuerySet) -> QuerySet:
    return phases.filter(programme__in=programmes_visible(actor, Programme.objects.all()))


@policy.rule(Resource)
def resources_visible(actor: Actor, resources: QuerySet) -> QuerySet:
    return resources.filter(programme__in=programmes_visible(actor, Programme.objects.all()))


@policy.rule(Cohort)
def cohorts_visible(actor: Actor, cohorts: QuerySet) -> QuerySet:
    if actor.is_hr:
        return cohorts
    visible = Q(pk__in=_visible_enrolments(actor).values("cohort_id"))
    if actor.is_coach:
        visible |= Q(pk__in=_coached_cohort_ids(actor))
    return cohorts.filter(visible)


@policy.rule(EmployeeProfile)
def profiles_visible(actor: Actor, profiles: QuerySet) -> QuerySet:
    if actor.is_hr:
        return profiles
    visible = Q(user_id__in=_visible_enrolments(actor).values("employee_id"))
    if actor.is_employee:
        visible |= Q(user_id=actor.user_id)
    return profiles.filter(visible)


@policy.rule(Agreement)
def agreements_visible(actor: Actor, agreements: QuerySet) -> QuerySet:
    return agreements if actor.roles else agreements.none()


@policy.rule(AgreementAcceptance)
def acceptances_visible(actor: Actor, acceptances: QuerySet) -> QuerySet:
    if actor.is_hr:
        return acceptances
    visible = Q(user_id__in=_visible_enrolments(actor).values("employee_id"))
    if actor.is_employee:
        visible |= Q(user_id=actor.user_id)
    return acceptances.filter(visible)


@policy.rule(EnrolmentImport)
def enrolment_imports_visible(actor: Actor, imports: QuerySet) -> QuerySet:
    return imports if actor.is_hr else imports.none()
