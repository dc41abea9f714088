"""Access rules of this app, registered with portal.policy."""

# --- programmes, cohorts, enrolments, agreement ---
# HR sees everything of its organisation; a coach sees the programmes, cohorts and people they coach
# (as a cohort's coach or as someone's 1:1 coach); an employee sees their own enrolment and programme.
# Every member reads the coaching agreement.

from django.contrib.postgres.expressions import ArraySubquery  # noqa: E402
from django.db.models import F, Lookup, Q, QuerySet  # noqa: E402

from portal import policy  # noqa: E402
from portal.policy import Actor  # noqa: E402
from programmes.models import (  # noqa: E402
    Agreement,
    AgreementAcceptance,
    Cohort,
    EmployeeProfile,
    Enrolment,
    EnrolmentEvent,
    EnrolmentImport,
    Phase,
    Programme,
    Resource,
)


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


def _about_people_seen(actor: Actor, rows: QuerySet) -> QuerySet:
    """Rows about one person (their `user_id`): HR sees all; a coach those about the people whose
    enrolments they see; an employee their own."""
    if actor.is_hr:
        return rows
    visible = Q(user_id__in=_visible_enrolments(actor).values("employee_id"))
    if actor.is_employee:
        visible |= Q(user_id=actor.user_id)
    return rows.filter(visible)


@policy.rule(EmployeeProfile)
def profiles_visible(actor: Actor, profiles: QuerySet) -> QuerySet:
    return _about_people_seen(actor, profiles)


@policy.rule(Agreement)
def agreements_visible(actor: Actor, agreements: QuerySet) -> QuerySet:
    return agreements if actor.roles else agreements.none()


@policy.rule(AgreementAcceptance)
def acceptances_visible(actor: Actor, acceptances: QuerySet) -> QuerySet:
    return _about_people_seen(actor, acceptances)


@policy.rule(EnrolmentImport)
def enrolment_imports_visible(actor: Actor, imports: QuerySet) -> QuerySet:
    return imports if actor.is_hr else imports.none()


# --- sessions, availability, credits, attendance, urgent requests ---
# HR sees every session, attendance and credit of its organisation, never an urgent request (a moment of
# crisis is between the employee and their coach). A coach sees the sessions they lead and those of the
# people and cohorts they coach; an employee sees their own 1:1s and their cohorts' group sessions, and
# only their own attendance and credits.

from programmes.models import Attendance, CreditTransaction, Session, UrgentRequest  # noqa: E402

OPEN_ENROLMENT = (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


def _coach_sessions_filter(actor: Actor) -> Q:
    coached = _coached_cohort_ids(actor)
    # A 1:1 cancelled because the employee changed coach is no longer the former coach's: like everything
    # else of the coachee's, it goes with the enrolment (its earlier sessions stay theirs as they were),
    # also where they coach the employee's cohort too.
    left_behind = Q(coach_id=actor.user_id, cancellation_reason=Session.CancellationReason.COACH_CHANGED)
    return (
        Q(coach_id=actor.user_id)
        | Q(cohort_id__in=coached)
        | Q(enrolment__in=Enrolment.objects.filter(Q(coach_id=actor.user_id) | Q(cohort_id__in=coached)))
    ) & ~left_behind


class _AnyOf(Lookup):
    """`field = ANY(array)`."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def employee_session_ids(actor: Actor) -> QuerySet:
    """The sessions the acting employee takes part in, as ids: the 1:1s of their enrolments and the group
    sessions of the cohorts they have not withdrawn from. Written as a union so that PostgreSQL reads each
    half from its own index (a session's enrolment, its cohort) instead of testing every session of the
    organisation against both halves."""
    own = Enrolment.objects.filter(employee_id=actor.user_id)
    individual = Session.objects.filter(kind=Session.Kind.INDIVIDUAL, enrolment__in=own.values("pk"))
    # The cohorts as an array the index is searched with (`= ANY`): as `IN (subquery)` a generic plan
    # merged it with the cohort index from its start, reading every 1:1 of the cohorts before them.
    cohorts = ArraySubquery(own.filter(status__in=OPEN_ENROLMENT).values("cohort_id"))
    group = Session.objects.filter(_AnyOf(F("cohort_id"), cohorts), kind=Session.Kind.GROUP)
    return individual.order_by().values("pk").union(group.order_by().values("pk"), all=True)


def _employee_sessions_filter(actor: Actor) -> Q:
    return Q(pk__in=employee_session_ids(actor))


def sessions_filter(actor: Actor) -> Q:
    """The sessions a non-HR actor may see, for every role they hold here."""
    visible = Q(pk__in=[])
    if actor.is_coach:
        visible |= _coach_sessions_filter(actor)
    if actor.is_employee:
        visible |= _employee_sessions_filter(actor)
    return visible


@policy.rule(Session)
def sessions_visible(actor: Actor, sessions: QuerySet) -> QuerySet:
    if actor.is_hr:
        return sessions
    return sessions.filter(sessions_filter(actor))


# How to join a session (its video link, dial-in or room) is for the people in the conversation: a 1:1's
# employee, its coach and the employee's 1:1 coach. HR sees when and how a 1:1 happens and who attended,
# never the means to join it; a group session is a programme event HR runs, and everyone who may see one
# may join it. Rows leave `policy.scope` with these fields blanked for anyone else.
JOIN_DETAILS = ("location", "video_url", "dial_in")


@policy.field_rule(Session, *JOIN_DETAILS)
def join_details_visible(actor: Actor, session: Session) -> bool:
    if session.kind == Session.Kind.GROUP or session.coach_id == actor.user_id:
        return True
    enrolment = session.enrolment
    return actor.user_id is not None and actor.user_id in (enrolment.employee_id, enrolment.coach_id)


@policy.rule(Attendance)
def attendances_visible(actor: Actor, attendances: QuerySet) -> QuerySet:
    if actor.is_hr:
        return attendances
    visible = Q(pk__in=[])
    if actor.is_coach:
        visible |= Q(session__in=Session.objects.filter(_coach_sessions_filter(actor)))
    if actor.is_employee:
        # Only their own row: who else was (not) at a group session is not theirs to see.
        visible |= Q(user_id=actor.user_id)
    return attendances.filter(visible)


@policy.rule(CreditTransaction)
def credit_transactions_visible(actor: Actor, transactions: QuerySet) -> QuerySet:
    if actor.is_hr:
        return transactions
    return transactions.filter(enrolment__in=_visible_enrolments(actor))


@policy.rule(UrgentRequest)
def urgent_requests_visible(actor: Actor, requests: QuerySet) -> QuerySet:
    visible = Q(pk__in=[])
    if actor.is_coach:
        visible |= Q(coach_id=actor.user_id)
    if actor.is_employee:
        visible |= Q(employee_id=actor.user_id)
    return requests.filter(visible)


# --- the three-way agreement of an enrolment ---
# The employee, their coaches and HR see every version of an enrolment's agreement and each party's
# acceptance. The sponsor, where the programme names the employee's manager and the manager is an employee
# here, sees the enrolments they sponsor (SponsoredEnrolment), their agreements and the employee's own
# attendance at those sessions (SponsoredAttendance): the agreed objectives and attendance, never content.

from django.db.models import Exists, OuterRef  # noqa: E402

from programmes.models import (  # noqa: E402
    EnrolmentAgreement,
    PartyAcceptance,
    SponsoredAttendance,
    SponsoredEnrolment,
)


def sponsored_filter(actor: Actor) -> Q:
    """The enrolments `actor` sponsors as the employee's manager (none for anyone who is not an employee)."""
    if not actor.is_employee:
        return Q(pk__in=[])
    managed = EmployeeProfile.objects.filter(manager_id=actor.user_id).exclude(user_id=actor.user_id)
    return Q(programme__sponsor=Programme.Sponsor.MANAGER, employee_id__in=managed.values("user_id"))


@policy.rule(SponsoredEnrolment)
def sponsored_enrolments_visible(actor: Actor, enrolments: QuerySet) -> QuerySet:
    return enrolments.filter(sponsored_filter(actor)) if actor.is_employee else enrolments.none()


def _agreement_enrolments(actor: Actor) -> QuerySet:
    return Enrolment.objects.filter(_enrolments_filter(actor) | sponsored_filter(actor))


@policy.rule(EnrolmentAgreement)
def enrolment_agreements_visible(actor: Actor, agreements: QuerySet) -> QuerySet:
    if actor.is_hr:
        return agreements
    return agreements.filter(enrolment__in=_agreement_enrolments(actor))


@policy.rule(PartyAcceptance)
def party_acceptances_visible(actor: Actor, acceptances: QuerySet) -> QuerySet:
    if actor.is_hr:
        return acceptances
    return acceptances.filter(agreement__enrolment__in=_agreement_enrolments(actor))


@policy.rule(SponsoredAttendance)
def sponsored_attendance_visible(actor: Actor, attendances: QuerySet) -> QuerySet:
    # The employee's own row at the 1:1s of the sponsored enrolment and the group sessions of its cohort.
    if not actor.is_employee:
        return attendances.none()
    sponsored = Enrolment.objects.filter(sponsored_filter(actor), employee_id=OuterRef("user_id")).filter(
        Q(pk=OuterRef("session__enrolment_id")) | Q(cohort_id=OuterRef("session__cohort_id"))
    )
    return attendances.filter(Exists(sponsored))
