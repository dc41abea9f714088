"""Reads for the three-way agreement of an enrolment: its versions, who accepted which, who is still
awaited, and the people a manager sponsors. Everything through the policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from portal import clock, kept, policy
from portal.policy import Actor
from programmes.models import (
    EmployeeProfile,
    Enrolment,
    EnrolmentAgreement,
    PartyAcceptance,
    Programme,
    Session,
    SponsoredAttendance,
    SponsoredEnrolment,
)
from tenants.models import Membership, Role, User

Party = PartyAcceptance.Party
PARTY_ORDER = (Party.EMPLOYEE, Party.COACH, Party.SPONSOR)


@dataclass(frozen=True)
class Sponsor:
    """Who sponsors an enrolment: the employee's manager (`person`) or HR (`person` None)."""

    person: User | None
    # The programme names the manager, but none is recorded or the one recorded has no account here.
    manager_missing: bool = False
    manager: User | None = None

    @property
    def is_hr(self) -> bool:
        return self.person is None


def _organisation(actor: Actor):
    return actor.organisation or connection.tenant


def sponsor_of(*, enrolment: Enrolment, profile: EmployeeProfile | None, organisation) -> Sponsor:
    """The sponsor per the programme's setting: the manager when they are an employee here, else HR."""
    if enrolment.programme.sponsor == Programme.Sponsor.HR:
        return Sponsor(person=None)
    manager = profile.manager if profile is not None else None
    if manager is None or manager.pk == enrolment.employee_id:
        return Sponsor(person=None, manager_missing=True)
    member = Membership.objects.filter(
        user_id=manager.pk, organisation=organisation, role=Role.EMPLOYEE, is_active=True
    ).exists()
    return Sponsor(person=manager if member else None, manager_missing=not member, manager=manager)


@dataclass
class PartyStatus:
    party: str
    label: str
    person: User | None  # who accepts (None: HR as a whole, or no coach yet)
    acceptance: PartyAcceptance | None
    required: bool

    @property
    def awaited(self) -> bool:
        return self.acceptance is None


@dataclass
class AgreementState:
    enrolment: Enrolment
    sponsor: Sponsor
    current: EnrolmentAgreement | None
    versions: list[EnrolmentAgreement]
    parties: list[PartyStatus]
    mine: list[str] = field(default_factory=list)  # the parties the reader accepts as

    @property
    def may_propose(self) -> bool:
        return bool({Party.EMPLOYEE, Party.COACH} & set(self.mine))

    @property
    def awaiting_me(self) -> list[str]:
        return [status.party for status in self.parties if status.party in self.mine and status.awaited]

    @property
    def booking_ready(self) -> bool:
        return agreement_allows_booking(self.current)

    @property
    def in_force(self) -> bool:
        """Every party the programme asks for accepted the newest version (with objectives)."""
        return (
            self.current is not None
            and not self.current.carried_over
            and not any(status.awaited and status.required for status in self.parties)
        )

    @property
    def awaited(self) -> list[PartyStatus]:
        return [status for status in self.parties if status.awaited]


def agreement_allows_booking(current: EnrolmentAgreement | None) -> bool:
    """Booking waits for the employee's and the coach's acceptance of the newest version (a version carried
    over from the employee-only agreement needs the employee's alone). `current.acceptances` is read."""
    if current is None:
        return False
    return _lets_book({row.party for row in current.acceptances.all()}, carried_over=current.carried_over)


def _lets_book(accepted: set[str], *, carried_over: bool) -> bool:
    needed = {Party.EMPLOYEE} if carried_over else {Party.EMPLOYEE, Party.COACH}
    return needed <= accepted


def parties_of(actor: Actor, enrolment: Enrolment, sponsor: Sponsor) -> list[str]:
    """The parties `actor` accepts as for `enrolment`."""
    parties = []
    if actor.user_id == enrolment.employee_id and actor.is_employee:
        parties.append(Party.EMPLOYEE)
    if enrolment.coach_id is not None and actor.user_id == enrolment.coach_id and actor.is_coach:
        parties.append(Party.COACH)
    if sponsor.is_hr and actor.is_hr or sponsor.person is not None and sponsor.person.pk == actor.user_id:
        parties.append(Party.SPONSOR)
    return parties


def _versions(actor: Actor) -> QuerySet:
    acceptances = policy.scope(actor, PartyAcceptance).select_related("user")
    return (
        policy.scope(actor, EnrolmentAgreement)
        .select_related("terms", "proposed_by")
        .prefetch_related(Prefetch("acceptances", queryset=acceptances))
        .order_by("-version")
    )


def agreement_enrolment(*, actor: Actor, pk: int) -> Enrolment:
    """The enrolment named by the request, if the actor is one of its parties, its coach or HR (else 404)."""
    related = ("employee", "coach", "programme", "cohort")
    enrolment = policy.scope(actor, Enrolment).select_related(*related).filter(pk=pk).first()
    if enrolment is None:
        enrolment = policy.get_or_404(
            actor, SponsoredEnrolment, SponsoredEnrolment.objects.select_related(*related), pk=pk
        )
    return enrolment


def _profile(enrolment: Enrolment) -> EmployeeProfile | None:
    # Read for the manager alone, the reference the sponsor is chosen by (a sponsor may not see the rest
    # of the profile through the policy); nothing else of it is shown.
    return EmployeeProfile.objects.select_related("manager").filter(user_id=enrolment.employee_id).first()


def agreement_state(*, actor: Actor, enrolment: Enrolment) -> AgreementState:
    """The agreement of an enrolment the reader may see (from `agreement_enrolment`)."""
    sponsor = sponsor_of(enrolment=enrolment, profile=_profile(enrolment), organisation=_organisation(actor))
    versions = list(_versions(actor).filter(enrolment=enrolment))
    current = versions[0] if versions else None
    accepted = {row.party: row for row in current.acceptances.all()} if current else {}
    people = {Party.EMPLOYEE: enrolment.employee, Party.COACH: enrolment.coach, Party.SPONSOR: sponsor.person}
    labels = {
        Party.EMPLOYEE: _("Employee"),
        Party.COACH: _("Coach"),
        Party.SPONSOR: _("Sponsor (HR)") if sponsor.is_hr else _("Sponsor (manager)"),
    }
    parties = [
        PartyStatus(
            party=party,
            label=labels[party],
            person=people[party],
            acceptance=accepted.get(party),
            required=party != Party.SPONSOR or enrolment.programme.sponsor_must_accept,
        )
        for party in PARTY_ORDER
    ]
    return AgreementState(
        enrolment=enrolment,
        sponsor=sponsor,
        current=current,
        versions=versions,
        parties=parties,
        mine=parties_of(actor, enrolment, sponsor),
    )


def agreement_for_booking(*, enrolment: Enrolment) -> EnrolmentAgreement | None:
    """The newest version of `enrolment`'s agreement with its acceptances (for the booking check)."""
    return (
        EnrolmentAgreement.objects.filter(enrolment=enrolment)
        .prefetch_related("acceptances")
        .order_by("-version")
        .first()
    )


def with_booking_agreement(enrolments: QuerySet) -> QuerySet:
    """Annotate what `enrolments_waiting_for_agreement` reads of each enrolment's agreement: its newest
    version, whether that version was carried over, and which of the parties booking waits for
    (`agreement_allows_booking`) accepted it. Read with the enrolments, in their statement."""
    return _with_newest_agreement(enrolments, employee_accepted=Party.EMPLOYEE, coach_accepted=Party.COACH)


def enrolments_waiting_for_agreement(*, enrolments: list[Enrolment]) -> list[Enrolment]:
    """Of `enrolments` (the reader's own, read through the policy and annotated by `with_booking_agreement`),
    those with a coach whose agreement does not let them book yet (no query)."""
    return [enrolment for enrolment in enrolments if enrolment.coach_id and _booking_waits(enrolment)]


def _booking_waits(enrolment: Enrolment) -> bool:
    if enrolment.newest_version is None:
        return True
    accepted = {Party.EMPLOYEE} if enrolment.employee_accepted else set()
    accepted |= {Party.COACH} if enrolment.coach_accepted else set()
    return not _lets_book(accepted, carried_over=enrolment.carried_over)


# --- the people a manager sponsors ---------------------------------------------------------------------


@dataclass
class Sponsored:
    enrolment: Enrolment
    agreement: EnrolmentAgreement | None  # the newest version
    attended: int
    missed: int
    coming: int

    @property
    def awaiting_me(self) -> bool:
        return self.agreement is not None and Party.SPONSOR not in {a.party for a in self.agreement.acceptances.all()}


def sponsored_people(*, actor: Actor) -> list[Sponsored]:
    """The enrolments the actor sponsors as a manager, each with its agreement and attendance (four
    queries however many people)."""
    enrolments = list(
        policy.scope(actor, SponsoredEnrolment)
        .filter(status__in=(Enrolment.Status.INVITED, Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED))
        .select_related("employee", "coach", "programme")
        .order_by("employee__last_name", "employee__first_name", "pk")
    )
    newest: dict[int, EnrolmentAgreement] = {}
    for version in _versions(actor).filter(enrolment__in=[e.pk for e in enrolments]):
        newest.setdefault(version.enrolment_id, version)
    counts = _attendance(actor, enrolments)
    return [
        Sponsored(enrolment=e, agreement=newest.get(e.pk), **counts.get(e.employee_id, _NO_ATTENDANCE))
        for e in enrolments
    ]


_NO_ATTENDANCE = {"attended": 0, "missed": 0, "coming": 0}


def _attendance(actor: Actor, enrolments: list[Enrolment]) -> dict[int, dict]:
    now = clock.now()
    live = Q(session__status__in=[Session.Status.SCHEDULED, Session.Status.COMPLETED])
    rows = (
        policy.scope(actor, SponsoredAttendance)
        .filter(user_id__in=[e.employee_id for e in enrolments])
        .order_by()
        .values("user_id")
        .annotate(
            attended=Count("pk", filter=live & Q(status="present", session__starts_at__lt=now)),
            missed=Count("pk", filter=live & Q(status="absent", session__starts_at__lt=now)),
            coming=Count("pk", filter=Q(session__status=Session.Status.SCHEDULED, session__starts_at__gte=now)),
        )
    )
    return {row.pop("user_id"): row for row in rows}


def _newest_version() -> Subquery:
    newer = EnrolmentAgreement.objects.filter(enrolment_id=OuterRef("enrolment_id")).order_by("-version")
    return Subquery(newer.values("version")[:1])


# --- what waits for someone: home panels ---------------------------------------------------------------


def with_agreement_waiting(enrolments: QuerySet, *, party: str) -> QuerySet:
    """Annotate what `waits_for` reads of each enrolment's agreement for `party` (employee or 1:1 coach):
    its newest version (None before any objectives), whether that version was carried over from the
    agreement before versions, and whether the party accepted it."""
    return _with_newest_agreement(enrolments, accepted=party)


def _with_newest_agreement(enrolments: QuerySet, **accepted_by: str) -> QuerySet:
    """Annotate each enrolment's newest agreement version (`newest_version`, None before any objectives),
    whether it was carried over (`carried_over`), and for each name in `accepted_by` whether that party
    accepted it: subqueries of the enrolments' own statement."""
    newest = EnrolmentAgreement.objects.filter(enrolment=OuterRef("pk")).order_by("-version")
    versions = enrolments.annotate(
        newest_version=Subquery(newest.values("version")[:1]),
        carried_over=Subquery(newest.values("carried_over")[:1]),
    )
    return versions.annotate(
        **{
            name: Exists(
                PartyAcceptance.objects.filter(
                    agreement__enrolment=OuterRef("pk"), agreement__version=OuterRef("newest_version"), party=party
                )
            )
            for name, party in accepted_by.items()
        }
    )


def waits_for(enrolment: Enrolment) -> bool:
    """Whether the agreement of an enrolment annotated by `with_agreement_waiting` waits for its party: no
    objectives yet, or a newest version they have not accepted."""
    return enrolment.newest_version is None or bool(enrolment.carried_over) or not enrolment.accepted


def agreements_to_act_on(*, actor: Actor, party: str, limit: int = 20) -> list[Enrolment]:
    """The open enrolments whose agreement waits for the actor as the employee or as the 1:1 coach (one
    query)."""
    if party == Party.EMPLOYEE:
        mine = policy.scope(actor.acting_as(policy.EMPLOYEE), Enrolment).filter(employee_id=actor.user_id)
    else:
        mine = policy.scope(actor.acting_as(policy.COACH), Enrolment).filter(coach_id=actor.user_id)
    return list(
        with_agreement_waiting(mine.filter(status__in=(Enrolment.Status.INVITED, Enrolment.Status.ACTIVE)), party=party)
        .filter(Q(newest_version__isnull=True) | Q(carried_over=True) | Q(accepted=False))
        .select_related("programme", "employee")
        .order_by("created_at", "pk")[:limit]
    )


def sponsor_totals(*, actor: Actor) -> QuerySet:
    """How many people a manager sponsors now and how many agreements wait for them (the newest version of
    any enrolment they sponsor, not yet accepted as its sponsor): one row, in one query."""
    # Tested only for enrolments the policy lets the sponsor see, whose agreements they see too.
    newest_waiting = EnrolmentAgreement.objects.filter(enrolment_id=OuterRef("pk"), version=_newest_version()).exclude(
        acceptances__party=Party.SPONSOR
    )
    return kept.totals(
        policy.scope(actor, SponsoredEnrolment).annotate(waiting=Exists(newest_waiting)),
        people=Count("pk", filter=Q(status__in=(Enrolment.Status.INVITED, Enrolment.Status.ACTIVE))),
        awaiting=Count("pk", filter=Q(waiting=True)),
    )


def sponsor_summary_of(counts: dict) -> dict | None:
    """The sponsor's figures from `sponsor_totals`' row; None for someone who sponsors nobody."""
    if not counts["people"]:
        return None
    return {"people": counts["people"], "awaiting": counts["awaiting"]}
