"""Email to the parties whose acceptance of an enrolment's agreement is awaited, each in their language.
The email names the programme and the people, never the objectives: those are read on the portal."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.celery import app
from programmes.models import EmployeeProfile, EnrolmentAgreement, PartyAcceptance
from programmes.selectors.agreement import sponsor_of
from tenants.models import Role, User
from tenants.services import organisation_url

Party = PartyAcceptance.Party


def _awaited(version: EnrolmentAgreement, organisation) -> list[tuple[str, User]]:
    """(party, person) for every party that has not accepted `version`; HR as sponsor is every HR manager."""
    enrolment = version.enrolment
    accepted = set(version.acceptances.values_list("party", flat=True))
    people: list[tuple[str, User]] = []
    if Party.EMPLOYEE not in accepted:
        people.append((Party.EMPLOYEE, enrolment.employee))
    if Party.COACH not in accepted and enrolment.coach is not None:
        people.append((Party.COACH, enrolment.coach))
    if Party.SPONSOR not in accepted:
        profile = EmployeeProfile.objects.select_related("manager").filter(user_id=enrolment.employee_id).first()
        sponsor = sponsor_of(enrolment=enrolment, profile=profile, organisation=organisation)
        if sponsor.person is not None:
            people.append((Party.SPONSOR, sponsor.person))
        else:
            hr = User.objects.filter(
                memberships__organisation=organisation,
                memberships__role=Role.HR_MANAGER,
                memberships__is_active=True,
                is_active=True,
            ).order_by("pk")
            people += [(Party.SPONSOR, person) for person in hr]
    return [(party, person) for party, person in people if person.email and person.is_active]


@app.task(name="programmes.agreement_awaited_notify")
def agreement_awaited_notify(agreement_id: int) -> int:
    """Ask every party still awaited to read and accept the newest version of an enrolment's agreement."""
    organisation = connection.tenant
    version = (
        EnrolmentAgreement.objects.select_related("enrolment__employee", "enrolment__coach", "enrolment__programme")
        .filter(pk=agreement_id)
        .first()
    )
    if version is None or version.enrolment.agreements.filter(version__gt=version.version).exists():
        return 0  # gone, or a newer version has its own email
    link = organisation_url(organisation, reverse("enrolment_agreement", args=[version.enrolment_id]))
    sent = 0
    for party, person in _awaited(version, organisation):
        with translation.override(person.language or organisation.default_language):
            context = {
                "person": person,
                "party": party,
                "employee": version.enrolment.employee,
                "programme": version.enrolment.programme,
                "organisation": organisation,
                "version": version,
                "link": link,
            }
            subject = _("Please read and accept the coaching agreement")
            body = render_to_string("programmes/agreement/awaited_email.txt", context)
        sent += EmailMessage(f"{subject} · {organisation.name}", body, to=[person.email]).send()
    return sent
