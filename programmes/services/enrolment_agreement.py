"""The three-way agreement of an enrolment: the employee and the coach write the objectives (each change
a new version, the writer's acceptance recorded with it), then each party accepts the newest version: the
employee, the coach and the sponsor (the employee's manager or HR, per programme). Booking waits for the
employee and the coach; whether the agreement needs the sponsor is the programme's setting.

Every acceptance is kept with its version, party, person and time; the parties still awaited are emailed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.policy import Actor
from programmes.models import AgreementAcceptance, Enrolment, EnrolmentAgreement, PartyAcceptance
from programmes.selectors import agreement as selectors
from programmes.services.agreement import agreement_accept, agreement_in_force, default_text, normalised_text
from programmes.services.enrolment import enrolments_activate
from programmes.tasks import agreement as agreement_tasks
from programmes.tasks import sessions as session_tasks

Party = PartyAcceptance.Party
OBJECTIVES_MOST = 4000
OPEN = (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE)


def _locked(actor: Actor, enrolment_pk: int) -> selectors.AgreementState:
    """The agreement of an enrolment the actor may see (else 404), its enrolment under its row lock so
    that two people writing or accepting at the same moment take turns."""
    enrolment = selectors.agreement_enrolment(actor=actor, pk=enrolment_pk)
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).values_list("pk", flat=True).first()
    return selectors.agreement_state(actor=actor, enrolment=enrolment)


def terms_text(*, actor: Actor, agreement: EnrolmentAgreement | None) -> str:
    """The organisation's text a version includes (the text in force when there is no version yet)."""
    if agreement is None:
        return agreement_in_force(actor=actor)[0]
    if agreement.terms is None:
        return default_text(actor.organisation.default_language)
    return agreement.terms.body


def _employee_accepts_terms(actor: Actor, agreement: EnrolmentAgreement) -> None:
    """The employee accepting an enrolment's agreement accepts its text too (what booking has always
    asked for), and their invited enrolments become active."""
    if agreement.terms is not None:
        AgreementAcceptance.objects.get_or_create(agreement=agreement.terms, user=actor.user)
        enrolments_activate(user=actor.user)
        return
    try:
        with transaction.atomic():
            agreement_accept(actor=actor, version=0)  # the standard text, stored as version 1
    except ValidationError:
        pass  # HR published a text since: the employee reads and accepts it on its own page


@transaction.atomic
def objectives_propose(*, actor: Actor, enrolment_pk: int, objectives: str) -> EnrolmentAgreement:
    """The employee or the coach writes the objectives: a new version, accepted by its writer, that the
    other parties accept again."""
    state = _locked(actor, enrolment_pk)
    writer = next((party for party in state.mine if party in (Party.EMPLOYEE, Party.COACH)), None)
    if writer is None:
        raise ValidationError(_("Only the employee and their coach write the objectives."))
    if state.enrolment.status not in OPEN:
        raise ValidationError(_("This enrolment is closed; its agreement can no longer change."))
    text = normalised_text(objectives)
    if not text:
        raise ValidationError({"objectives": _("Write the objectives you agree on.")})
    if len(text) > OBJECTIVES_MOST:
        raise ValidationError(
            {"objectives": _("Keep the objectives under %(most)d characters.") % {"most": OBJECTIVES_MOST}}
        )
    terms = agreement_in_force(actor=actor)[2]
    current = state.current
    same_terms = current is not None and current.terms_id == (terms.pk if terms else None)
    if current is not None and not current.carried_over and current.objectives == text and same_terms:
        raise ValidationError({"objectives": _("These are the objectives of the current version; nothing changed.")})
    now = timezone.now()
    version = EnrolmentAgreement.objects.create(
        enrolment=state.enrolment,
        version=(current.version + 1) if current else 1,
        terms=terms,
        objectives=text,
        proposed_by=actor.user,
        proposed_at=now,
    )
    PartyAcceptance.objects.create(agreement=version, party=writer, user=actor.user, accepted_at=now)
    if writer == Party.EMPLOYEE:
        _employee_accepts_terms(actor, version)
    session_tasks.after_commit(agreement_tasks.agreement_awaited_notify, version.pk)
    return version


@transaction.atomic
def agreement_party_accept(*, actor: Actor, enrolment_pk: int, version: int) -> list[PartyAcceptance]:
    """The actor accepts the version they read, as each party they are to this enrolment (normally one).
    A version that is no longer the newest is refused: the reader reads the new one first."""
    state = _locked(actor, enrolment_pk)
    if not state.mine:
        raise ValidationError(_("You are not a party to this agreement."))
    current = state.current
    if current is None or current.carried_over:
        raise ValidationError(
            _("There is nothing to accept yet: the employee and the coach write the objectives first.")
        )
    if current.version != version:
        raise ValidationError(
            _("The agreement changed while you were reading it. Please read version %(version)d.")
            % {"version": current.version}
        )
    awaiting = state.awaiting_me
    if not awaiting:
        raise ValidationError(_("You already accepted version %(version)d.") % {"version": current.version})
    now = timezone.now()
    accepted = [
        PartyAcceptance.objects.create(agreement=current, party=party, user=actor.user, accepted_at=now)
        for party in awaiting
    ]
    if Party.EMPLOYEE in awaiting:
        _employee_accepts_terms(actor, current)
    return accepted
