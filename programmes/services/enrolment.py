"""Writes for enrolments and employee profiles: status changes with their history, cohort and coach,
the per-person allowance of 1:1 credits, and where someone stands in the organisation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.services import coach_room_held
from portal import policy
from portal.policy import Actor
from programmes.models import LIVE_STATUSES, Cohort, EmployeeProfile, Enrolment, EnrolmentEvent
from programmes.selectors.credits import credits_used
from programmes.selectors.programmes import invited_seats
from tenants.models import Membership, Role, User
from webhooks import events, outbox

Status = Enrolment.Status

# Which status may follow which. Completed and withdrawn people can be taken back in (a mistake, a
# return from leave); everything is recorded in the enrolment's history.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.INVITED: (Status.ACTIVE, Status.WITHDRAWN),
    Status.ACTIVE: (Status.COMPLETED, Status.WITHDRAWN),
    Status.COMPLETED: (Status.ACTIVE,),
    Status.WITHDRAWN: (Status.ACTIVE,),
}


def allowed_transitions(enrolment: Enrolment) -> tuple[str, ...]:
    return TRANSITIONS.get(enrolment.status, ())


def _check_seat(cohort: Cohort, *, exclude: int | None = None) -> None:
    """Refuse a seat in a full cohort (open invitations hold theirs). The caller holds the cohort's row lock."""
    seated = cohort.enrolments.filter(status__in=LIVE_STATUSES).exclude(pk=exclude).count()
    seated += invited_seats(organisation=connection.tenant, cohort_ids=[cohort.pk])[cohort.pk]
    if seated >= cohort.capacity:
        raise ValidationError(
            {
                "cohort": _("Cohort “%(name)s” is full (capacity %(capacity)s).")
                % {"name": cohort.name, "capacity": cohort.capacity}
            }
        )


@transaction.atomic
def enrolment_status_change(*, actor: Actor, enrolment: Enrolment, to_status: str) -> Enrolment:
    """HR moves an enrolment along invited → active → completed, or withdraws it; history is kept.

    Taking someone back in gives them their seat in the cohort and their place with their 1:1 coach again:
    both need room. The coach's room is counted under the lock every write that gives a coach a coachee
    takes first (matching.services.coach_room_held), then the enrolment is locked; a coach changed in
    between is refused, to be tried again."""
    policy.require(actor, policy.HR_MANAGER)
    coach_id = Enrolment.objects.filter(pk=enrolment.pk).values_list("coach_id", flat=True).first()
    room = coach_room_held(coach_id) if coach_id is not None and to_status in LIVE_STATUSES else None
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if to_status not in allowed_transitions(enrolment):
        raise ValidationError(
            _("An enrolment that is “%(current)s” cannot become “%(new)s”.")
            % {
                "current": enrolment.get_status_display(),
                "new": Status(to_status).label if to_status in Status.values else to_status,
            }
        )
    if enrolment.status not in LIVE_STATUSES and to_status in LIVE_STATUSES:
        _check_seat(Cohort.objects.select_for_update().get(pk=enrolment.cohort_id), exclude=enrolment.pk)
        if enrolment.coach_id != coach_id:
            raise ValidationError(_("The coach of this enrolment changed meanwhile. Please try again."))
        if room is not None and room.left == 0:
            coach = enrolment.coach
            raise ValidationError(
                {
                    "coach": _(
                        "%(coach)s is fully booked: they take at most %(capacity)s active coachees in total. "
                        "Choose another coach for this person first."
                    )
                    % {"coach": coach.get_full_name() or coach.email, "capacity": room.capacity}
                }
            )
    _set_status(enrolment, to_status, by=actor.user)
    return enrolment


def _set_status(enrolment: Enrolment, to_status: str, *, by: User | None) -> None:
    EnrolmentEvent.objects.create(enrolment=enrolment, from_status=enrolment.status, to_status=to_status, by=by)
    enrolment.status, enrolment.status_changed_at, enrolment.status_changed_by = to_status, timezone.now(), by
    enrolment.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    outbox.enrolment(enrolment)


@transaction.atomic
def enrolments_activate(*, user: User) -> int:
    """The person takes up their place (they accepted the coaching agreement or signed in for the first
    time): every enrolment of theirs that is still "invited" becomes active. Returns how many did."""
    invited = list(Enrolment.objects.select_for_update().filter(employee=user, status=Status.INVITED))
    if not invited:
        return 0
    now = timezone.now()
    EnrolmentEvent.objects.bulk_create(
        EnrolmentEvent(enrolment=enrolment, from_status=Status.INVITED, to_status=Status.ACTIVE, by=user)
        for enrolment in invited
    )
    Enrolment.objects.filter(pk__in=[enrolment.pk for enrolment in invited]).update(
        status=Status.ACTIVE, status_changed_at=now, status_changed_by=user
    )
    outbox.enrolments(
        [
            {
                "id": enrolment.pk,
                "employee_id": enrolment.employee_id,
                "programme_id": enrolment.programme_id,
                "cohort_id": enrolment.cohort_id,
                "status": Status.ACTIVE,
            }
            for enrolment in invited
        ],
        events.ENROLMENT_CHANGED,
    )
    return len(invited)


@transaction.atomic
def enrolment_update(
    *, actor: Actor, enrolment: Enrolment, cohort: Cohort, coach: User | None, credit_allowance: int
) -> Enrolment:
    """HR moves someone to another cohort of the programme, changes their 1:1 coach, or overrides their
    allowance of 1:1 credits (never below what they have already used). A new coach needs room: their
    capacity counts their active coachees in every organisation, under the lock employees' choosing takes
    (matching.services.coach_room_held), so HR and an employee cannot both take the coach's last place."""
    policy.require(actor, policy.HR_MANAGER)
    room = coach_room_held(coach.pk) if coach is not None else None
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if cohort.programme_id != enrolment.programme_id:
        raise ValidationError({"cohort": _("Choose a cohort of this programme.")})
    if cohort.pk != enrolment.cohort_id and enrolment.status in LIVE_STATUSES:
        _check_seat(Cohort.objects.select_for_update().get(pk=cohort.pk), exclude=enrolment.pk)
    if (
        coach is not None
        and coach.pk != enrolment.coach_id
        and not Membership.objects.filter(
            user=coach, organisation=actor.organisation, role=Role.COACH, is_active=True
        ).exists()
    ):
        raise ValidationError({"coach": _("Choose someone who coaches in this organisation.")})
    if room is not None and room.left == 0 and coach.pk != enrolment.coach_id and enrolment.status in LIVE_STATUSES:
        raise ValidationError(
            {
                "coach": _(
                    "%(coach)s is fully booked: they take at most %(capacity)s active coachees in total. "
                    "Choose another coach."
                )
                % {"coach": coach.get_full_name() or coach.email, "capacity": room.capacity}
            }
        )
    used = credits_used(enrolment)
    if credit_allowance < used:
        raise ValidationError(
            {
                "credit_allowance": ngettext(
                    "%(used)s credit is already used; the allowance cannot be lower.",
                    "%(used)s credits are already used; the allowance cannot be lower.",
                    used,
                )
                % {"used": used}
            }
        )
    enrolment.cohort, enrolment.coach, enrolment.credit_allowance = cohort, coach, credit_allowance
    enrolment.save(update_fields=["cohort", "coach", "credit_allowance"])
    outbox.enrolment(enrolment)
    return enrolment


def profile_update(
    *, actor: Actor, user: User, department: str, job_title: str, manager_email: str = ""
) -> EmployeeProfile:
    """Where someone stands in the organisation: department, job title and manager (named by email
    address: someone with a role here, or nobody when empty)."""
    policy.require(actor, policy.HR_MANAGER)
    manager = None
    if manager_email.strip():
        manager = (
            User.objects.filter(
                email=manager_email.strip().lower(),
                is_active=True,
                memberships__organisation=actor.organisation,
                memberships__is_active=True,
            )
            .distinct()
            .first()
        )
        if manager is None:
            raise ValidationError(
                {"manager_email": _("Nobody with this email address has a role in this organisation.")}
            )
        if manager.pk == user.pk:
            raise ValidationError({"manager_email": _("Someone cannot be their own manager.")})
    profile, _created = EmployeeProfile.objects.update_or_create(
        user=user, defaults={"department": department.strip(), "job_title": job_title.strip(), "manager": manager}
    )
    return profile
