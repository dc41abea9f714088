"""Writes of stakeholder feedback: rounds, inviting raters, answering, releasing, reminding.

A rater's link carries a random token made here and stored only as its SHA-256 digest (tenants.tokens);
the invitation email is sent after the commit, in this process, so the token is never written anywhere,
a task broker included. A reminder therefore carries a new link and ends the earlier one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import InstrumentVersion, Question
from portal import policy
from programmes.models import Enrolment
from stakeholders.models import MAX_RATERS, MIN_RATERS, Rater, RaterAnswer, Round
from tenants.services import organisation_url
from tenants.tokens import digest_of

DEFAULT_INSTRUMENT = "observed-behaviour"
MAX_OPEN_DAYS = 60
TEXT_MAX_LENGTH = 2000
REMIND_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class RaterInput:
    email: str
    relation: str
    name: str = ""


def default_version() -> InstrumentVersion:
    return InstrumentVersion.objects.get(instrument__key=DEFAULT_INSTRUMENT, is_latest=True)


def _is_employee_of(actor: policy.Actor, round_or_enrolment) -> bool:
    return actor.is_employee and round_or_enrolment.employee_id == actor.user_id


def _check_closing(closes_on: date | None) -> None:
    today = timezone.localdate()
    if closes_on is None or closes_on < today or closes_on > today + timedelta(days=MAX_OPEN_DAYS):
        raise ValidationError(
            {"closes_on": _("Choose a closing date from today up to %(days)s days ahead.") % {"days": MAX_OPEN_DAYS}}
        )


@transaction.atomic
def round_create(
    *, actor: policy.Actor, enrolment: Enrolment, moment: str, closes_on: date | None, coach_may_invite: bool = False
) -> Round:
    """The employee opens a round about themselves in one of their programmes (once per moment)."""
    if not _is_employee_of(actor, enrolment) or enrolment.status == Enrolment.Status.WITHDRAWN:
        raise ValidationError({"enrolment": _("Choose one of your own programmes.")})
    if moment not in Round.Moment.values:
        raise ValidationError({"moment": _("Choose the start or the end of the programme.")})
    _check_closing(closes_on)
    if Round.objects.filter(enrolment=enrolment, moment=moment).exists():
        raise ValidationError({"moment": _("This programme already has a round at that moment.")})
    # The end round asks what the start round asked, so the two compare question by question.
    start = Round.objects.filter(enrolment=enrolment, moment=Round.Moment.START).first()
    version_id = start.version_id if start and moment == Round.Moment.END else default_version().pk
    return Round.objects.create(
        enrolment=enrolment,
        employee_id=enrolment.employee_id,
        moment=moment,
        version_id=version_id,
        closes_on=closes_on,
        coach_may_invite_at=timezone.now() if coach_may_invite else None,
    )


@transaction.atomic
def round_consent(*, actor: policy.Actor, round: Round, coach_may_invite: bool) -> Round:
    """The employee gives or withdraws their consent that their coach invites raters for this round."""
    if not _is_employee_of(actor, round):
        raise ValidationError(_("Only the employee decides whether their coach may invite raters."))
    round.coach_may_invite_at = (round.coach_may_invite_at or timezone.now()) if coach_may_invite else None
    round.save(update_fields=["coach_may_invite_at"])
    return round


def _may_invite(actor: policy.Actor, round: Round) -> bool:
    if _is_employee_of(actor, round):
        return True
    return actor.is_coach and round.coach_may_invite_at is not None


def _cleaned(given: list[RaterInput], employee_email: str) -> list[RaterInput]:
    cleaned, errors, seen = [], [], set()
    for number, item in enumerate(given, start=1):
        email = (item.email or "").strip().lower()
        name = (item.name or "").strip()[:150]
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("Rater %(number)s: enter a valid email address.") % {"number": number})
            continue
        if item.relation not in (
            Rater.Relation.MANAGER,
            Rater.Relation.PEER,
            Rater.Relation.DIRECT_REPORT,
            Rater.Relation.OTHER,
        ):
            errors.append(
                _("Rater %(number)s: choose manager, peer, direct report or other as the relation.")
                % {"number": number}
            )
            continue
        if email == (employee_email or "").lower():
            errors.append(
                _("Rater %(number)s: you rate yourself in the self-rating, not as a rater.") % {"number": number}
            )
            continue
        if email in seen:
            errors.append(_("Rater %(number)s: %(email)s is on the list twice.") % {"number": number, "email": email})
            continue
        seen.add(email)
        cleaned.append(RaterInput(email=email, relation=item.relation, name=name))
    if errors:
        raise ValidationError({"raters": errors})
    return cleaned


@transaction.atomic
def raters_invite(*, actor: policy.Actor, round: Round, raters: list[RaterInput]) -> list[Rater]:
    """Ask raters for their feedback: each gets a personal link by email once this commits. A round holds
    MIN_RATERS to MAX_RATERS raters; the employee invites, or their coach with the employee's consent."""
    round = Round.objects.select_for_update().select_related("employee").get(pk=round.pk)
    if not _may_invite(actor, round):
        raise ValidationError(_("Your coachee has not asked you to invite raters for this round."))
    if round.is_closed:
        raise ValidationError(_("This round has closed; no one can be invited any more."))
    if not raters:
        raise ValidationError({"raters": _("Add at least one rater.")})
    cleaned = _cleaned(raters, round.employee.email)
    existing = set(round.raters.exclude(email="").values_list("email", flat=True))
    again = sorted(item.email for item in cleaned if item.email in existing)
    if again:
        raise ValidationError({"raters": _("Already asked in this round: %(emails)s.") % {"emails": ", ".join(again)}})
    total = len(existing) + len(cleaned)
    if total < MIN_RATERS or total > MAX_RATERS:
        raise ValidationError(
            {
                "raters": _(
                    "A round asks %(min)s to %(max)s raters, so no group is too small to keep answers anonymous; "
                    "this would make %(total)s."
                )
                % {"min": MIN_RATERS, "max": MAX_RATERS, "total": total}
            }
        )
    issued = []
    for item in cleaned:
        raw = secrets.token_urlsafe(32)
        rater = Rater.objects.create(
            round=round,
            relation=item.relation,
            name=item.name,
            email=item.email,
            token_digest=digest_of(raw),
            invited_by_id=actor.user_id,
        )
        issued.append((rater, raw))
    transaction.on_commit(partial(_emails_send, connection.tenant, round, issued, reminder=False))
    return [rater for rater, _raw in issued]


def _emails_send(organisation, round: Round, issued: list[tuple[Rater, str]], *, reminder: bool) -> int:
    """The raters' links by email, in the organisation's language (a rater has no account to say theirs)."""
    employee = round.employee
    messages = []
    with translation.override(organisation.default_language):
        about = employee.get_full_name() or employee.email
        if reminder:
            subject = _("Reminder: %(name)s would like your feedback") % {"name": about}
        else:
            subject = _("%(name)s would like your feedback") % {"name": about}
        for rater, raw in issued:
            body = render_to_string(
                "stakeholders/email/invitation.txt",
                {
                    "rater": rater,
                    "about": about,
                    "organisation": organisation,
                    "closes_on": round.closes_on,
                    "reminder": reminder,
                    "link": organisation_url(organisation, reverse("rater_answer", args=[raw])),
                },
            )
            messages.append(mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [rater.email]))
    with mail.get_connection() as mail_connection:
        return mail_connection.send_messages(messages) or 0


def rater_open(raw: str) -> Rater | None:
    """The rater whose link carries `raw` in this organisation, if it is still open to answer: not
    submitted, the round not closed. None for anything else (unknown, used, closed alike)."""
    if not raw or len(raw) > 200:
        return None
    rater = (
        Rater.objects.select_related("round__employee", "round__version")
        .filter(token_digest=digest_of(raw))
        .exclude(relation=Rater.Relation.SELF)
        .first()
    )
    if rater is None or rater.submitted_at is not None or rater.round.is_closed:
        return None
    return rater


def _parsed(questions: list[Question], given: dict[int, str]) -> tuple[dict[int, tuple[int | None, str]], dict]:
    values, errors = {}, {}
    for question in questions:
        if question.pk not in given:
            continue
        raw = (given[question.pk] or "").strip()
        if question.kind == Question.Kind.TEXT:
            if len(raw) > TEXT_MAX_LENGTH:
                errors[f"q_{question.pk}"] = _("Keep it under %(count)s characters.") % {"count": TEXT_MAX_LENGTH}
            values[question.pk] = (None, raw)
        elif raw == "":
            values[question.pk] = (None, "")
        elif not raw.isdigit() or not 1 <= int(raw) <= (question.scale_max or 0):
            errors[f"q_{question.pk}"] = _("Choose a value from 1 to %(max)s.") % {"max": question.scale_max}
        else:
            values[question.pk] = (int(raw), "")
    return values, errors


@transaction.atomic
def answers_save(*, rater: Rater, answers: dict[int, str], submit: bool = False, named: bool = False) -> Rater:
    """Save what the rater gave (they may come back until they submit); on submit every required
    question must be answered, and from then on the link answers no more."""
    rater = Rater.objects.select_for_update().select_related("round").get(pk=rater.pk)
    if rater.submitted_at is not None or rater.round.is_closed:
        raise ValidationError(_("This questionnaire can no longer be changed."))
    questions = list(Question.objects.filter(version_id=rater.round.version_id).order_by("position"))
    values, errors = _parsed(questions, answers)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for question_id, (value, text) in values.items():
        RaterAnswer.objects.update_or_create(
            rater=rater, question_id=question_id, defaults={"value": value, "text": text, "saved_at": now}
        )
    rater.last_saved_at = now
    fields = ["last_saved_at"]
    if submit:
        given = {
            question_id
            for question_id, value, text in RaterAnswer.objects.filter(rater=rater).values_list(
                "question_id", "value", "text"
            )
            if value is not None or text
        }
        missing = {f"q_{q.pk}": _("Answer this question.") for q in questions if q.required and q.pk not in given}
        if missing:
            raise ValidationError(missing)
        rater.submitted_at = now
        rater.named = bool(named) and rater.relation == Rater.Relation.MANAGER
        fields += ["submitted_at", "named"]
    rater.save(update_fields=fields)
    return rater


@transaction.atomic
def self_rater(*, actor: policy.Actor, round: Round) -> Rater:
    """The employee's own self-rating in the round, made when first asked for."""
    if not _is_employee_of(actor, round):
        raise ValidationError(_("Only the employee rates themselves."))
    rater, _made = Rater.objects.get_or_create(
        round=round, relation=Rater.Relation.SELF, defaults={"invited_by_id": actor.user_id}
    )
    return rater


@transaction.atomic
def round_release(*, actor: policy.Actor, round: Round) -> Round:
    """The employee shows the round's results to their coach (the group aggregates only, as they see them)."""
    if not _is_employee_of(actor, round):
        raise ValidationError(_("Only the employee releases their results."))
    if round.released_at is None:
        round.released_at = timezone.now()
        round.save(update_fields=["released_at"])
    return round


def reminders_due(today: date, now: datetime):
    return (
        Rater.objects.filter(submitted_at__isnull=True, round__closes_on__gte=today, invited_at__lte=now - REMIND_AFTER)
        .exclude(relation=Rater.Relation.SELF)
        .exclude(reminded_at__gt=now - REMIND_AFTER)
    )


def reminders_send(*, organisation, now: datetime | None = None) -> int:
    """Remind the raters who have not answered (three days after the invitation, and every three days
    until the round closes) with a new link that ends the earlier one; returns how many were sent.
    The rows are claimed (locked ones skipped) before any email goes out, so no one is reminded twice."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            reminders_due(timezone.localdate(now), now)
            .select_related("round__employee")
            .select_for_update(of=("self",), skip_locked=True)
        )
        issued = []
        for rater in claimed:
            raw = secrets.token_urlsafe(32)
            rater.token_digest, rater.reminded_at = digest_of(raw), now
            rater.save(update_fields=["token_digest", "reminded_at"])
            issued.append((rater, raw))
    sent = 0
    by_round: dict[int, list[tuple[Rater, str]]] = {}
    for rater, raw in issued:
        by_round.setdefault(rater.round_id, []).append((rater, raw))
    for pairs in by_round.values():
        sent += _emails_send(organisation, pairs[0][0].round, pairs, reminder=True)
    return sent
