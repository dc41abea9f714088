"""The demo's coach pool and a programme where employees choose their coach (run by seed_demo in each
organisation's schema, after the programmes and sessions).

Five coaches with profiles (the demo's coach and four more, each coaching in this organisation), all in
the pool; a second programme, "Choose your coach", where employee 1 has given an intake and sees their
suggestions, and employees 2 and 3 have chosen. Idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_tenants.utils import schema_context

from coaches.models import CoachProfile
from matching import services
from matching.models import PoolMember, ProgrammeMatching
from portal import policy
from programmes.availability.models import Slot
from programmes.models import Cohort, Enrolment, Programme
from programmes.services import programmes as programme_services
from tenants import demo as people
from tenants.models import Organisation, Role, User
from tenants.services import membership_grant

COACHES = [
    (
        people.COACH,
        {
            "biography_en": "Fifteen years of coaching team leads through growth and reorganisation.",
            "biography_nl": "Vijftien jaar coach van teamleiders bij groei en reorganisatie.",
            "languages": ["en", "nl"],
            "specialisms": ["change", "leadership", "teamwork"],
            "modes": ["in_person", "phone", "video"],
            "city": "Utrecht",
            "accreditation": "icf_pcc",
            "accreditation_number": "PCC-004512",
            "capacity": 60,
        },
    ),
    (
        ("ravi.kumar@coaching.example", "Ravi", "Kumar"),
        {
            "biography_en": "Former operations manager; helps people find the next step in their career.",
            "biography_nl": "Voormalig operationeel manager; helpt mensen hun volgende stap in hun loopbaan te vinden.",
            "languages": ["en"],
            "specialisms": ["career", "performance"],
            "modes": ["phone", "video"],
            "accreditation": "emcc_senior",
            "accreditation_number": "EIA-2019-3301",
            "capacity": 8,
        },
    ),
    (
        ("sophie.martin@coaching.example", "Sophie", "Martin"),
        {
            "biography_en": "Psychologist and coach for stress, resilience and a workable balance.",
            "biography_nl": "Psycholoog en coach voor stress, veerkracht en een werkbare balans.",
            "languages": ["en", "fr", "nl"],
            "specialisms": ["balance", "stress"],
            "modes": ["in_person", "video"],
            "city": "Amsterdam",
            "accreditation": "icf_mcc",
            "accreditation_number": "MCC-000877",
            "capacity": 6,
        },
    ),
    (
        ("jeroen.bakker@coaching.example", "Jeroen", "Bakker"),
        {
            "biography_en": "Coaches new managers in giving feedback and holding difficult conversations.",
            "biography_nl": "Coacht nieuwe leidinggevenden in feedback geven en lastige gesprekken voeren.",
            "languages": ["nl"],
            "specialisms": ["communication", "leadership"],
            "modes": ["in_person", "phone", "video"],
            "city": "Rotterdam",
            "accreditation": "emcc_practitioner",
            "accreditation_number": "EIA-2021-0456",
            "capacity": 10,
        },
    ),
    (
        ("fatima.elamrani@coaching.example", "Fatima", "El Amrani"),
        {
            "biography_en": "Career and communication coach; coaches in Dutch, English and Arabic.",
            "biography_nl": "Loopbaan- en communicatiecoach; coacht in het Nederlands, Engels en Arabisch.",
            "languages": ["ar", "en", "nl"],
            "specialisms": ["career", "communication", "change"],
            "modes": ["video"],
            "accreditation": "icf_acc",
            "accreditation_number": "ACC-118230",
            "capacity": 5,
        },
    ),
]

CONTENT = {
    "en": {
        "programme": "Choose your coach",
        "description": "Individual coaching with a coach you choose from the pool after a short intake.",
        "cohort": "Open enrolment",
        "intake": {"focus": ["career", "leadership"], "language": "en", "mode": "video", "times": ["morning"]},
    },
    "nl": {
        "programme": "Kies je coach",
        "description": "Individuele coaching met een coach die je na een korte intake zelf uit de pool kiest.",
        "cohort": "Doorlopende instroom",
        "intake": {"focus": ["communication", "leadership"], "language": "nl", "mode": "video", "times": ["morning"]},
    },
}


def _coaches(organisation: Organisation) -> list[User]:
    """The demo's coaches with their profiles, each coaching in `organisation` (public schema)."""
    password_hash = make_password(people.PASSWORD)
    coaches = []
    with schema_context("public"):
        for (email, first, last), profile in COACHES:
            coach = User.objects.filter(email=email).first() or User.objects.create(
                email=email, first_name=first, last_name=last, password=password_hash
            )
            membership_grant(user=coach, organisation=organisation, role=Role.COACH)
            CoachProfile.objects.get_or_create(coach=coach, defaults=profile)
            coaches.append(coach)
    return coaches


def _free_times(coach: User, organisation: Organisation, number: int) -> None:
    """A few free mornings and afternoons in the next two weeks (for the ranking's free times)."""
    today = timezone.localdate()
    for day in range(2, 12):
        start = timezone.make_aware(timezone.datetime(today.year, today.month, today.day) + timedelta(days=day))
        start += timedelta(hours=9 + (number + day) % 7)
        if start.weekday() >= 5 or (day + number) % 3 == 0:
            continue
        if Slot.objects.filter(coach=coach, starts_at__lt=start + timedelta(hours=1), ends_at__gt=start).exists():
            continue
        slot = Slot.objects.create(
            coach=coach, starts_at=start, ends_at=start + timedelta(hours=1), video_url="https://meet.example.com/demo"
        )
        slot.organisations.add(organisation)


def seed(organisation: Organisation) -> None:
    content = CONTENT.get(organisation.default_language, CONTENT["en"])
    if Programme.objects.filter(name=content["programme"]).exists():
        return
    spec = next(spec for spec in people.ORGANISATIONS if spec["slug"] == organisation.slug)
    hr = User.objects.get(email=spec["hr"][0])
    hr_actor = policy.actor_for(hr, organisation)
    coaches = _coaches(organisation)
    for number, coach in enumerate(coaches):
        if not PoolMember.objects.filter(coach=coach, programme=None).exists():
            member = services.pool_invite(actor=hr_actor, coach_id=coach.pk)
            services.pool_answer(actor=policy.actor_for(coach, organisation), member=member, accept=True)
        if number:
            _free_times(coach, organisation, number)
    today = timezone.localdate()
    programme = programme_services.programme_create(
        actor=hr_actor,
        name=content["programme"],
        description=content["description"],
        objectives="",
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=180),
        status=Programme.Status.ACTIVE,
        default_credits=6,
        phases=[],
    )
    services.matching_set(actor=hr_actor, programme=programme, how=ProgrammeMatching.How.EMPLOYEES_CHOOSE)
    cohort = Cohort.objects.create(programme=programme, name=content["cohort"], capacity=30)
    for number in (1, 2, 3):
        employee = User.objects.get(email=f"{spec['employee_prefix']}{number}@{spec['domain']}")
        enrolment = Enrolment.objects.create(
            programme=programme, cohort=cohort, employee=employee, status=Enrolment.Status.ACTIVE, credit_allowance=6
        )
        employee_actor = policy.actor_for(employee, organisation)
        intake = services.intake_submit(actor=employee_actor, enrolment=enrolment, city="", **content["intake"])
        if number > 1 and intake.suggestions.exists():
            suggestion = (
                intake.suggestions.order_by("rank")[number - 2 : number - 1].first() or intake.suggestions.first()
            )
            services.coach_choose(actor=employee_actor, suggestion=suggestion)
