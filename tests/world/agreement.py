"""The three-way agreement part of the test world: in each organisation the enrolment of `employee` has
objectives (version 1) accepted by the employee and their coach, the sponsor (HR: the world's manager
is HR, who is no employee here) still awaited; `employee2`'s enrolment has no objectives yet.
Keys in `org.people`: agreement (the version's id)."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from programmes.models import Agreement, Enrolment, EnrolmentAgreement, PartyAcceptance

OBJECTIVES = "Give feedback that helps; lead the weekly planning meeting with confidence."
_known: dict[str, int] = {}


def agree(enrolment: Enrolment, *, objectives: str = OBJECTIVES, sponsor=None) -> EnrolmentAgreement:
    """A new version of `enrolment`'s agreement accepted by its employee and coach (and `sponsor`, a
    person, when given), as the agreement page would record it."""
    terms = Agreement.objects.order_by("-version").first()
    newest = enrolment.agreements.order_by("-version").first()
    now = timezone.now()
    version = EnrolmentAgreement.objects.create(
        enrolment=enrolment,
        version=(newest.version + 1) if newest else 1,
        terms=terms,
        objectives=objectives,
        proposed_by_id=enrolment.employee_id,
        proposed_at=now,
    )
    parties = [(PartyAcceptance.Party.EMPLOYEE, enrolment.employee_id)]
    if enrolment.coach_id:
        parties.append((PartyAcceptance.Party.COACH, enrolment.coach_id))
    if sponsor is not None:
        parties.append((PartyAcceptance.Party.SPONSOR, sponsor.pk))
    PartyAcceptance.objects.bulk_create(
        PartyAcceptance(agreement=version, party=party, user_id=user_id, accepted_at=now) for party, user_id in parties
    )
    return version


def agreed_for_booking(user) -> None:
    """Every open enrolment of `user` whose agreement does not let them book yet gets agreed objectives."""
    for enrolment in Enrolment.objects.filter(employee_id=user.pk, status__in=("invited", "active")):
        newest = enrolment.agreements.order_by("-version").first()
        accepted = set(newest.acceptances.values_list("party", flat=True)) if newest else set()
        if newest is None or newest.carried_over or not {"employee", "coach"} <= accepted:
            agree(enrolment)


def agreement_world(world) -> None:
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
                found = enrolment.agreements.order_by("-version").first()
                _known[schema] = (found or agree(enrolment)).pk
        org.people["agreement"] = _known[schema]
