"""Query counts of the assessment pages, pinned: the same however many assessments, questions or people.

Every statement is preceded by django-tenants' SET search_path, hence the 2 * n; the choices of a form
field are read through a server-side cursor, which comes without one (+1 each). The first four are always
the same: 1 domain → organisation, 2 session, 3 user, 4 roles here (MembershipMiddleware).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import InstrumentVersion, Question
from assessments.services import assignments as services
from assessments.services import instruments as instrument_services
from portal import policy
from programmes.models import Phase
from tests.world import statements
from tests.world.assessments import answer_all

REQUEST = 4


def more_assessments(world):
    """Two more scheduled instruments in the world's programme: more rows on every list."""
    org = world.acme
    hr = policy.actor_for(org.hr, org.organisation)
    today = timezone.localdate()
    phase = Phase.objects.filter(programme_id=org.people["programme"]).first()
    for key in ("readiness-for-change", "session-check-in"):
        scheduled = services.phase_assessment_schedule(
            actor=hr,
            phase=phase,
            version=InstrumentVersion.objects.get(instrument__key=key),
            moment="initial",
            opens_on=today - timedelta(days=1),
            due_on=today + timedelta(days=5),
        )
        for assignment in scheduled.assignments.all():
            actor = policy.actor_for(assignment.employee, org.organisation)
            answer_all(actor, assignment, 3)
            services.assignment_submit(actor=actor, assignment=assignment)


def count(client, url, django_assert_num_queries, queries, **extra):
    client.get(url, **extra)
    with django_assert_num_queries(queries):
        response = client.get(url, **extra)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "who, name, args, queries",
    [
        # 5 my assessments with their progress (counted in subqueries)
        ("employee", "assignment_list", (), statements(REQUEST + 1)),
        # 5 the assessment, 6 its questions, 7 their options, 8 my answers so far
        ("employee", "assignment_answer", ("a_final",), statements(REQUEST + 4)),
        # 5 the assessment, 6 its scores, 7 their bands, 8 the answers, 9 the questions
        ("employee", "assignment_result", ("a_initial",), statements(REQUEST + 5)),
        # the same, read by the coach; 10 notes the reads of the answers and the scores in the employee's access
        # log (one INSERT for the page, written by the policy: it used to be one per kind)
        ("coach", "assignment_result", ("a_initial",), statements(REQUEST + 6)),
        # 5 how many people I coach (pages), 6 one page of them, 7 their assessments with progress,
        # 8 handed-in results waiting for my release
        ("coach", "assignment_coaching", (), statements(REQUEST + 4)),
        # 5 the current version of each instrument with its counts
        ("coach", "instrument_list", (), statements(REQUEST + 1)),
        # 5 the version, 6 dimensions, 7 bands, 8 questions, 9 options; the dimensions to choose from (cursor)
        ("hr", "instrument_detail", ("a_custom",), statements(REQUEST + 5) + 1),
        # 5 the scheduled assessments, 6 their completion
        ("hr", "assignment_overview", (), statements(REQUEST + 2)),
        # the phases and the instruments to choose from (two cursors)
        ("hr", "assignment_schedule", (), statements(REQUEST + 1) + 1),
        # 5 the scheduled assessment
        ("hr", "assignment_schedule_edit", ("a_scheduled",), statements(REQUEST + 1)),
        # 5 the dimension with its version
        ("hr", "instrument_dimension_edit", ("a_dimension",), statements(REQUEST + 1)),
    ],
)
def test_the_page_makes_the_same_queries_however_much_there_is(
    world, client_for, in_tenant, django_assert_num_queries, who, name, args, queries
):
    client = client_for(getattr(world.acme, who), world.acme.host)
    url = reverse(name, args=[world.acme.people[arg] for arg in args])
    count(client, url, django_assert_num_queries, queries)
    with in_tenant(world.acme):
        more_assessments(world)
        hr = policy.actor_for(world.acme.hr, world.acme.organisation)
        custom = InstrumentVersion.objects.get(pk=world.acme.people["a_custom"])
        for number in range(3):
            instrument_services.question_add(
                actor=hr,
                version=custom,
                fields=instrument_services.QuestionFields(
                    kind="choice",
                    text_en=f"Pick {number}",
                    text_nl=f"Kies {number}",
                    choices=[("A", "A", None), ("B", "B", None)],
                ),
            )
    count(client, url, django_assert_num_queries, queries)


def test_a_coachees_results_and_the_autosave_fragment_make_fixed_queries(
    world, client_for, in_tenant, django_assert_num_queries
):

    coach = client_for(world.acme.coach, world.acme.host)
    url = reverse("result_coachee", args=[world.acme.employee.pk])
    # 5 the person, among those I coach; 6 their assessments handed in, 7 scores, 8 bands;
    # 9 the read noted in their access log
    count(coach, url, django_assert_num_queries, statements(REQUEST + 5))
    with in_tenant(world.acme):
        more_assessments(world)
        question = Question.objects.get(pk=world.acme.people["a_final_question"])
    count(coach, url, django_assert_num_queries, statements(REQUEST + 5))
    employee = client_for(world.acme.employee, world.acme.host)
    autosave = reverse("assignment_autosave", args=[world.acme.people["a_final"]])
    # 5 the assessment, 6 the question posted; saving: 7 savepoint, 8 lock, 9 the questions named,
    # 10 their options, 11 upsert, 12 the assessment's times, 13 release savepoint; 14 answered, 15 total
    employee.post(autosave, {f"q_{question.pk}": "2"}, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(statements(REQUEST + 11)):
        response = employee.post(autosave, {f"q_{question.pk}": "3"}, HTTP_HX_REQUEST="true")
    assert "Saved at" in response.content.decode()
