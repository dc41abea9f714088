"""Demo content for programmes: one programme per organisation with its four phases, learning resources,
two cohorts coached by coach@coaching.example, all 25 employees enrolled (with departments, job titles
and managers), and the coaching agreement accepted by most of them. Globex's content is in Dutch.

Everything goes through the same services as the pages, so the demo shows what the product does.
Idempotent: an organisation that has the programme already is left as it is.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal import policy
from programmes.models import Enrolment, Programme
from programmes.services import agreement as agreement_services
from programmes.services import enrolment as enrolment_services
from programmes.services import enrolment_agreement as enrolment_agreement_services
from programmes.services import imports
from programmes.services import programmes as programme_services
from programmes.tasks.sessions import without_email
from tenants import demo as people
from tenants.models import Organisation, User

# People 23 to 25 have not accepted the agreement yet (still invited); person 21 withdrew.
NOT_ACCEPTED = {23, 24, 25}
WITHDRAWN = {21}
# The first ten agreed objectives with the coach (they book 1:1s). Their sponsor is person 1, their
# manager (person 1 has no manager: HR sponsors them); the sponsor accepted for 1, 2, 4 and 5, and the
# others' agreements wait for the sponsor (person 3's, for one).
WITH_OBJECTIVES = range(1, 11)
SPONSOR_ACCEPTED = {1, 2, 4, 5}
OBJECTIVES = {
    "en": [
        "Run the weekly planning meeting so that decisions are made in it, not after it.",
        "Give feedback to my team in the moment, and ask for it once a week.",
        "Decide on priorities with the options laid out, and tell the team why.",
    ],
    "nl": [
        "Het wekelijkse planningsoverleg zo leiden dat de besluiten erin vallen, niet erna.",
        "Mijn team direct feedback geven, en er elke week zelf om vragen.",
        "Prioriteiten kiezen met de mogelijkheden op een rij, en het team vertellen waarom.",
    ],
}

CONTENT = {
    "en": {
        "programme": "Leading with clarity 2026",
        "description": "Half a year of coaching for team leads and specialists: an intake and initial assessment, "
        "four group sessions per cohort, individual coaching with your own coach, and a final "
        "assessment that shows what changed.",
        "objectives": "Know where you stand and what lies ahead.\nGive and ask for feedback that helps.\n"
        "Make decisions with the choices in view, and follow through on them.",
        "phases": [
            ("intake", "Intake and initial assessment", "Where do you stand, and what lies ahead?"),
            ("group", "Group sessions", "Four sessions with your cohort: new ways of working, practised together."),
            (
                "individual",
                "Individual coaching",
                "One-to-one sessions with your coach, in person, by video or by phone.",
            ),
            ("final", "Final assessment", "The same questions as at the start, to show the change."),
        ],
        "resources": [
            (
                "Giving feedback that helps",
                "A short guide with examples to practise before your next one-to-one.",
                "https://www.mindtools.com/asnmq5u/giving-feedback",
            ),
            (
                "Deciding with the choices in view",
                "How to lay out options before you choose.",
                "https://hbr.org/topic/subject/decision-making-and-problem-solving",
            ),
        ],
        "cohorts": ["Cohort A", "Cohort B"],
        "departments": ["Warehouse", "Transport planning", "Customer service", "Finance", "IT"],
        "titles": ["Team lead", "Planner", "Specialist", "Coordinator", "Analyst"],
    },
    "nl": {
        "programme": "Leidinggeven met helderheid 2026",
        "description": "Een half jaar coaching voor teamleiders en specialisten: een intake met nulmeting, vier "
        "groepssessies per groep, individuele coaching met je eigen coach, en een eindmeting die "
        "laat zien wat er veranderd is.",
        "objectives": "Weten waar je staat en wat er op je afkomt.\nFeedback geven en vragen die helpt.\n"
        "Beslissen met de keuzes in beeld, en je eraan houden.",
        "phases": [
            ("intake", "Intake en nulmeting", "Waar sta je nu, en wat komt er op je af?"),
            ("group", "Groepssessies", "Vier sessies met je groep: nieuwe manieren van werken, samen geoefend."),
            ("individual", "Individuele coaching", "Eén-op-één met je coach: op locatie, via video of telefonisch."),
            ("final", "Eindmeting", "Dezelfde vragen als aan het begin, om de verandering te laten zien."),
        ],
        "resources": [
            (
                "Feedback geven die helpt",
                "Een korte handleiding met voorbeelden om te oefenen voor je volgende gesprek.",
                "https://www.nji.nl/",
            ),
            (
                "Beslissen met de keuzes in beeld",
                "Zo zet je de mogelijkheden op een rij voordat je kiest.",
                "https://www.managementimpact.nl/",
            ),
        ],
        "cohorts": ["Groep A", "Groep B"],
        "departments": ["Verpleging", "Planning", "Klantcontact", "Financiën", "ICT"],
        "titles": ["Teamleider", "Planner", "Specialist", "Coördinator", "Analist"],
    },
}


def _spec(organisation: Organisation) -> dict:
    return next(spec for spec in people.ORGANISATIONS if spec["slug"] == organisation.slug)


def seed(organisation: Organisation) -> None:
    """Run in the organisation's schema (tenants.demo.seed_content)."""
    content = CONTENT.get(organisation.default_language, CONTENT["en"])
    if Programme.objects.filter(name=content["programme"]).exists():
        return
    spec = _spec(organisation)
    hr = User.objects.get(email=spec["hr"][0])
    coach = User.objects.get(email=people.COACH[0])
    actor = policy.actor_for(hr, organisation)
    programme = _programme(actor, content, coach)
    _enrol(actor, programme, content, spec)
    _agreement(actor, organisation, programme, spec)
    with without_email():
        _objectives(organisation, programme, spec, coach)


def _programme(actor, content: dict, coach: User) -> Programme:
    today = timezone.localdate()
    starts_on, ends_on = today - timedelta(days=42), today + timedelta(days=140)
    programme = programme_services.programme_create(
        actor=actor,
        name=content["programme"],
        description=content["description"],
        objectives=content["objectives"],
        starts_on=starts_on,
        ends_on=ends_on,
        status=Programme.Status.ACTIVE,
        default_credits=6,
        phases=[
            {"kind": kind, "name": name, "description": description} for kind, name, description in content["phases"]
        ],
    )
    spans = [(0, 21), (14, 84), (21, 168), (168, 182)]
    for phase, (start, end) in zip(programme.phases.order_by("position"), spans):
        programme_services.phase_update(
            actor=actor,
            phase=phase,
            name=phase.name,
            kind=phase.kind,
            description=phase.description,
            starts_on=starts_on + timedelta(days=start),
            ends_on=starts_on + timedelta(days=end),
        )
    for title, description, url in content["resources"]:
        programme_services.resource_add(actor=actor, programme=programme, title=title, description=description, url=url)
    for offset, name in enumerate(content["cohorts"]):
        programme_services.cohort_create(
            actor=actor,
            programme=programme,
            name=name,
            capacity=15,
            starts_on=starts_on + timedelta(days=14 + 7 * offset),
            coaches=[coach],
        )
    return programme


def _enrol(actor, programme: Programme, content: dict, spec: dict) -> None:
    """All employees, through the import: numbers 1 to 13 in the first cohort, the rest in the second;
    person 1 manages 2 to 12, person 13 manages 14 to 25."""
    rows = []
    for number in range(1, people.EMPLOYEES_PER_ORGANISATION + 1):
        lead = 1 if number <= 12 else 13
        rows.append(
            imports.Row(
                number=number + 1,
                email=f"{spec['employee_prefix']}{number}@{spec['domain']}",
                first_name=people.FIRST_NAMES[(number - 1) % len(people.FIRST_NAMES)],
                last_name=people.LAST_NAMES[(number * 3) % len(people.LAST_NAMES)],
                department=content["departments"][(number - 1) % len(content["departments"])],
                job_title=content["titles"][0] if number in (1, 13) else content["titles"][1 + number % 4],
                manager="" if number in (1, 13) else f"{spec['employee_prefix']}{lead}@{spec['domain']}",
                cohort=content["cohorts"][0] if number <= 13 else content["cohorts"][1],
            )
        )
    outcome = imports.enrolment_rows_import(actor=actor, rows=rows, programme=programme)
    if not outcome.ok:
        raise RuntimeError(f"demo enrolment failed: {[error.as_dict() for error in outcome.errors[:3]]}")


def _agreement(actor, organisation: Organisation, programme: Programme, spec: dict) -> None:
    """HR publishes the standard text; most employees accept it (which makes them active)."""
    agreement_services.agreement_publish(
        actor=actor, body=agreement_services.default_text(organisation.default_language)
    )
    for number in range(1, people.EMPLOYEES_PER_ORGANISATION + 1):
        if number in NOT_ACCEPTED:
            continue
        employee = User.objects.get(email=f"{spec['employee_prefix']}{number}@{spec['domain']}")
        agreement_services.agreement_accept(actor=policy.actor_for(employee, organisation), version=1)
        if number in WITHDRAWN:
            enrolment_services.enrolment_status_change(
                actor=actor,
                to_status=Enrolment.Status.WITHDRAWN,
                enrolment=Enrolment.objects.get(programme=programme, employee=employee),
            )


def _objectives(organisation: Organisation, programme: Programme, spec: dict, coach: User) -> None:
    """The first ten write their objectives and their coach accepts them (booking opens); the sponsor
    (their manager, person 1, or HR for person 1 themselves) has accepted some of them."""
    texts = OBJECTIVES.get(organisation.default_language, OBJECTIVES["en"])
    hr = policy.actor_for(User.objects.get(email=spec["hr"][0]), organisation)
    manager = policy.actor_for(User.objects.get(email=f"{spec['employee_prefix']}1@{spec['domain']}"), organisation)
    for number in WITH_OBJECTIVES:
        employee = User.objects.get(email=f"{spec['employee_prefix']}{number}@{spec['domain']}")
        enrolment = Enrolment.objects.get(programme=programme, employee=employee)
        version = enrolment_agreement_services.objectives_propose(
            actor=policy.actor_for(employee, organisation),
            enrolment_pk=enrolment.pk,
            objectives="\n".join(texts[(number + offset) % len(texts)] for offset in range(2)),
        )
        accepting = [policy.actor_for(coach, organisation)]
        if number in SPONSOR_ACCEPTED:
            accepting.append(hr if number == 1 else manager)
        for party in accepting:
            enrolment_agreement_services.agreement_party_accept(
                actor=party, enrolment_pk=enrolment.pk, version=version.version
            )
