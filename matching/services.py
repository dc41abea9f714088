"""Writes of the matching app: the programme's setting, the pool, intakes and suggestions, choosing a
coach, chemistry calls and rematch.

Choosing holds the coach's profile row (public schema) under its lock while the coach's coachees are
counted across every organisation and the enrolment is written: two employees taking a coach's last place
at the same moment, here or in another organisation, are served one after the other, and the second sees
the coach full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from coaches.models import CoachProfile, Language, Mode, Specialism
from matching import selectors
from matching.models import ChemistryCall, Intake, PoolMember, ProgrammeMatching, Rematch, Suggestion, TimeOfDay
from portal import policy
from portal.policy import Actor
from programmes.availability.models import Slot
from programmes.models import LIVE_STATUSES, Enrolment, Programme
from programmes.services.booking import book_locked, check_free, locked_slot
from programmes.services.sessions import SessionRefused, coach_change_cancel
from tenants.models import Membership, Role

CHEMISTRY_MINUTES = 20


class MatchRefused(SessionRefused):
    """A step of choosing the rules do not allow now (`code` names it for the API: 409, 403 not_allowed)."""


# --- the programme's setting and the pool --------------------------------------------------------------


def matching_set(*, actor: Actor, programme: Programme, how: str) -> ProgrammeMatching:
    policy.require(actor, policy.HR_MANAGER)
    if how not in ProgrammeMatching.How.values:
        raise ValidationError({"how": _("Choose how coaches are matched.")})
    row, _created = ProgrammeMatching.objects.update_or_create(programme=programme, defaults={"how": how})
    return row


@transaction.atomic
def pool_invite(*, actor: Actor, coach_id: int, programme: Programme | None = None) -> PoolMember:
    """Ask one of the organisation's coaches into the pool (of one programme, or of all). The coach
    decides: nothing is shown to employees until they accept."""
    policy.require(actor, policy.HR_MANAGER)
    if not Membership.objects.filter(
        user_id=coach_id, organisation=actor.organisation, role=Role.COACH, is_active=True
    ).exists():
        raise ValidationError(
            {"coach": _("Choose one of your organisation's coaches. Invite a new coach on the People page first.")}
        )
    try:
        with transaction.atomic():
            return PoolMember.objects.create(coach_id=coach_id, programme=programme, invited_by=actor.user)
    except IntegrityError:
        raise ValidationError({"coach": _("This coach has already been asked into this pool.")}) from None


def pool_answer(*, actor: Actor, member: PoolMember, accept: bool) -> PoolMember:
    """The coach's own yes or no to a place in this organisation's pool (they may change their mind)."""
    if member.coach_id != actor.user_id:
        raise Http404(policy.NOT_FOUND)
    member.status = PoolMember.Status.ACCEPTED if accept else PoolMember.Status.DECLINED
    member.answered_at = timezone.now()
    member.save(update_fields=["status", "answered_at"])
    return member


def pool_remove(*, actor: Actor, member: PoolMember) -> None:
    policy.require(actor, policy.HR_MANAGER)
    member.delete()


# --- intake and suggestions ----------------------------------------------------------------------------


def _check_intake(focus, language, mode, city, times) -> None:
    errors = {}
    if not focus or not set(focus) <= set(Specialism.values):
        errors["focus"] = _("Choose at least one focus area from the list.")
    if language not in Language.values:
        errors["language"] = _("Choose the language you want to be coached in.")
    if mode not in Mode.values:
        errors["mode"] = _("Choose in person, video or phone.")
    elif mode == Mode.IN_PERSON and not city.strip():
        errors["city"] = _("Name the city where you want to meet in person.")
    if not times or not set(times) <= set(TimeOfDay.values):
        errors["times"] = _("Choose at least one time of day that suits you.")
    if errors:
        raise ValidationError(errors)


def _check_choosing(actor: Actor, enrolment: Enrolment) -> None:
    if not selectors.employees_choose(enrolment.programme):
        raise MatchRefused(_("In this programme HR assigns your coach."), "not_allowed")
    if enrolment.coach_id is not None:
        raise MatchRefused(_("You already have a coach in this programme."), "has_coach")


@transaction.atomic
def intake_submit(
    *, actor: Actor, enrolment: Enrolment, focus: list[str], language: str, mode: str, city: str, times: list[str]
) -> Intake:
    """Record what the employee looks for and suggest up to three coaches from the pool (matching.ranking).
    A new intake replaces an open one (its chemistry calls stay booked)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    _check_choosing(actor, enrolment)
    _check_intake(focus, language, mode, city, times)
    now = timezone.now()
    Intake.objects.filter(enrolment=enrolment, closed_at__isnull=True).update(closed_at=now)
    intake = Intake.objects.create(
        enrolment=enrolment,
        employee_id=enrolment.employee_id,
        focus=sorted(set(focus)),
        language=language,
        mode=mode,
        city=city.strip() if mode == Mode.IN_PERSON else "",
        times=sorted(set(times)),
    )
    rematch = selectors.rematch_of(enrolment)
    exclude = {actor.user_id} | ({rematch.former_coach_id} if rematch else set())
    Suggestion.objects.bulk_create(
        Suggestion(intake=intake, coach_id=row.coach_id, rank=number, score=row.score, reasons=row.reasons)
        for number, row in enumerate(
            selectors.ranked_for(organisation=actor.organisation, intake=intake, exclude=exclude), start=1
        )
    )
    intake.enrolment = enrolment
    return intake


def suggestion_for(*, actor: Actor, pk) -> Suggestion:
    """One of the actor's own suggestions on an open intake, or the policy's 404."""
    return policy.get_or_404(
        actor.acting_as(policy.EMPLOYEE),
        Suggestion,
        Suggestion.objects.filter(intake__closed_at__isnull=True).select_related("intake__enrolment__programme"),
        pk=pk,
    )


# --- choosing ----------------------------------------------------------------------------------------------


def coach_room_held(coach_id: int) -> selectors.Room | None:
    """The coach's room (capacity and active coachees across every organisation), counted under the lock
    of their profile row, which the caller's transaction holds until it commits: every write that gives a
    coach a coachee (an employee choosing, HR assigning, an import) takes this lock first, so two of them
    taking the coach's last place are served one after the other. None when the coach has no profile (no
    capacity set). Take it before locking the enrolment, as every caller does, so no two writes wait on
    each other."""
    return coach_rooms_held([coach_id])[coach_id]


def coach_rooms_held(coach_ids: Iterable[int]) -> dict[int, selectors.Room | None]:
    """`coach_room_held` for several coaches at once (an import): the profile rows are locked in the order
    of the coaches' ids, so two writes that each hold several coaches never wait on each other in a circle,
    and the coachees of all of them are counted in one query."""
    coach_ids = sorted(set(coach_ids))
    if not coach_ids:
        return {}
    capacities = dict(
        CoachProfile.objects.select_for_update()
        .filter(coach_id__in=coach_ids)
        .order_by("coach_id")
        .values_list("coach_id", "capacity")
    )
    used = selectors.coachees_counts(list(capacities)) if capacities else {}
    return {
        coach_id: selectors.Room(capacities[coach_id], used[coach_id]) if coach_id in capacities else None
        for coach_id in coach_ids
    }


@transaction.atomic
def coach_choose(*, actor: Actor, suggestion: Suggestion) -> Enrolment:
    """Make the suggested coach the employee's coach, if the coach has room: counted across every
    organisation under the lock of the coach's profile row, so no two choices overfill a coach."""
    room = coach_room_held(suggestion.coach_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=suggestion.intake.enrolment_id)
    _check_choosing(actor, enrolment)
    if enrolment.status not in LIVE_STATUSES:
        raise MatchRefused(_("This enrolment is closed."), "not_allowed")
    if suggestion.coach_id not in set(
        selectors.pool_coach_ids(actor.organisation, enrolment.programme).values_list("coach_id", flat=True)
    ):
        raise MatchRefused(_("This coach is no longer in the pool. Please choose another."), "not_in_pool")
    if room is None or room.left == 0:
        raise MatchRefused(_("This coach has just become fully booked. Please choose another."), "coach_full")
    enrolment.coach_id = suggestion.coach_id
    enrolment.save(update_fields=["coach"])
    Intake.objects.filter(pk=suggestion.intake_id).update(closed_at=timezone.now())
    return enrolment


# --- chemistry calls -----------------------------------------------------------------------------------


def _shorten(slot: Slot) -> None:
    """Keep CHEMISTRY_MINUTES of a longer free slot for the call and offer the rest again as its own slot,
    to the same organisations (the slot is held under its lock)."""
    if slot.duration_minutes <= CHEMISTRY_MINUTES:
        return
    end = slot.starts_at + timedelta(minutes=CHEMISTRY_MINUTES)
    rest_end, organisations = slot.ends_at, list(slot.organisations.all())
    Slot.objects.filter(pk=slot.pk).update(ends_at=end)
    slot.ends_at = end
    rest = Slot.objects.create(
        coach_id=slot.coach_id,
        starts_at=end,
        ends_at=rest_end,
        mode=slot.mode,
        location=slot.location,
        video_url=slot.video_url,
        dial_in=slot.dial_in,
    )
    rest.organisations.set(organisations)


@transaction.atomic
def chemistry_book(*, actor: Actor, suggestion: Suggestion, slot_id: int):
    """Book a 20-minute chemistry call, free of credit, in a free slot of a suggested coach: the same path
    as any booking (the slot's row lock, the coach's time held once across organisations)."""
    slot = locked_slot(actor, slot_id)
    if slot.coach_id != suggestion.coach_id:
        raise Http404(policy.NOT_FOUND)
    check_free(slot)
    enrolment = Enrolment.objects.select_for_update().get(pk=suggestion.intake.enrolment_id)
    _check_choosing(actor, enrolment)
    if ChemistryCall.objects.filter(
        intake=suggestion.intake, session__coach_id=slot.coach_id, session__status="scheduled"
    ).exists():
        raise MatchRefused(_("You already have a chemistry call booked with this coach."), "already_booked")
    _shorten(slot)
    with override(actor.organisation.default_language):
        title = _("Chemistry call")
    session = book_locked(actor, slot, enrolment, spend_credit=False, title=title)
    ChemistryCall.objects.create(session=session, intake=suggestion.intake)
    return session


# --- rematch -------------------------------------------------------------------------------------------


@transaction.atomic
def rematch_start(*, actor: Actor, enrolment: Enrolment, reason: str) -> Rematch:
    """Leave the current coach, once per programme, without asking anyone. From this moment the former
    coach no longer coaches this enrolment: what the employee shared is no longer theirs to read (the
    policy's coachee rules follow the enrolment's coach). The reason stays with the employee.

    The coming 1:1s with the former coach are cancelled in the same transaction, free of any notice
    period (programmes.services.sessions.coach_change_cancel); the former coach is told only that the
    coaching relationship ended. `rematch.cancelled` says how many sessions and credits that was."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.employee_id != actor.user_id or enrolment.status not in LIVE_STATUSES:
        raise Http404(policy.NOT_FOUND)
    if not selectors.employees_choose(enrolment.programme):
        raise MatchRefused(_("In this programme HR assigns your coach. Ask HR for another coach."), "not_allowed")
    if enrolment.coach_id is None:
        raise MatchRefused(_("You have no coach in this programme yet."), "no_coach")
    if Rematch.objects.filter(enrolment=enrolment).exists():
        raise MatchRefused(
            _("You have already changed coach once in this programme. Ask HR if you need another change."),
            "rematch_used",
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say in a few words why you want another coach. Only you can read it.")})
    rematch = Rematch.objects.create(
        enrolment=enrolment, employee_id=enrolment.employee_id, former_coach_id=enrolment.coach_id, reason=reason
    )
    former_coach_id, enrolment.coach_id = enrolment.coach_id, None
    enrolment.save(update_fields=["coach"])
    Intake.objects.filter(enrolment=enrolment, closed_at__isnull=True).update(closed_at=timezone.now())
    rematch.cancelled = coach_change_cancel(actor=actor, enrolment=enrolment, former_coach_id=former_coach_id)
    return rematch
