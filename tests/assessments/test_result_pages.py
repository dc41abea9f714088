"""Results: the employee's own (what lies ahead, the change in a chart), their coach's view with release
and the read log, and HR's figures: completion and means only over groups large enough."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assessments.models import AccessLogEntry, Assignment, InstrumentVersion, PhaseAssessment
from assessments.services import assignments as services
from portal import policy
from programmes.models import Enrolment, Phase
from reports import disclosure
from tenants.models import Membership, Role, User
from tests.world import statements
from tests.world.assessments import answer_all

HTMX = {"HTTP_HX_REQUEST": "true"}


def submit(user, organisation, assignment, value):
    actor = policy.actor_for(user, organisation)
    answer_all(actor, assignment, value)
    services.assignment_submit(actor=actor, assignment=assignment)


def hand_in_final(world, value=5, who="employee"):
    org = world.acme
    final = PhaseAssessment.objects.get(version_id=org.people["a_builtin"], moment="final")
    submit(
        getattr(org, who),
        org.organisation,
        Assignment.objects.get(phase_assessment=final, employee=getattr(org, who)),
        value,
    )
    return final


def enrol_and_submit(world, count, *, cohort_key="cohort_a", value=3, moments=("initial",)):
    """`count` more employees in the world's programme, each handing in the given moments."""
    org = world.acme
    people = []
    for number in range(count):
        user = User.objects.create_user(
            email=f"extra{number}-{cohort_key}@acme.test",
            password=None,
            first_name=f"Extra{number}",
            last_name="Person",
        )
        Membership.objects.create(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
        Enrolment.objects.create(
            programme_id=org.people["programme"],
            cohort_id=org.people[cohort_key],
            employee=user,
            coach=org.coach,
            credit_allowance=6,
            status=Enrolment.Status.ACTIVE,
        )
        people.append(user)
    for scheduled in PhaseAssessment.objects.filter(programme_id=org.people["programme"]):
        services.assignments_sync(phase_assessment=scheduled)
        if scheduled.moment in moments:
            for user in people:
                submit(user, org.organisation, scheduled.assignments.get(employee=user), value)
    return people


def test_after_the_initial_the_employee_reads_what_lies_ahead_beside_a_chart(world, client_for):
    body = client_for(world.acme.employee, world.acme.host).get(reverse("result_mine")).content.decode()
    assert "What lies ahead" in body
    # Answering 4 everywhere: plain items .75, reverse items .25; "Speaking up" has one reverse item of
    # four, so 62.5, shown as 63: "Steady ground".
    assert "Steady ground" in body and "You speak up when you feel sure of your ground." in body
    assert '<div class="chart chart--scores" role="img"' in body
    assert '-title" hidden="">Self-confidence at work: your scores per dimension</span>' in body
    assert '<span id="chart-' in body and '-desc" hidden="">' in body
    assert "Self-confidence at work: scores per dimension (0–100)</caption>" in body
    assert ">63<" in body
    assert ">Change</th>" not in body


def test_after_the_final_the_change_shows_beside_the_baseline(world, client_for, in_tenant):
    with in_tenant(world.acme):
        hand_in_final(world, value=5)
    body = client_for(world.acme.employee, world.acme.host).get(reverse("result_mine")).content.decode()
    assert "Where you stand now" in body and "What lies ahead" not in body
    assert ">Change<" in body and "+12" in body  # speaking up: 63 -> 75
    assert "up 12 points since the start" in body
    assert body.count('class="chart__swatch chart__bar--final"') == 1  # the legend
    assert body.count('class="chart__bar chart__bar--final"') == 4  # four dimensions
    assert "Speaking up 63 → 75" in body  # the chart's description carries every number


def test_a_dutch_reader_gets_the_dutch_text(world, client_for, in_tenant):
    with in_tenant(world.globex):
        pass
    body = client_for(world.globex.employee, world.globex.host).get(reverse("result_mine")).content.decode()
    assert "Zelfvertrouwen op het werk" in body and "Je stem laten horen" in body


def test_results_that_wait_for_release_reach_the_employee_when_the_coach_releases_them(world, client_for):
    employee2 = client_for(world.acme.employee2, world.acme.host)
    waiting = employee2.get(reverse("result_mine")).content.decode()
    assert "Your coach goes through the results with you first" in waiting
    assert 'class="chart chart--scores"' not in waiting
    detail = employee2.get(reverse("assignment_result", args=[world.acme.people["a_initial2"]])).content.decode()
    assert "releases them here" in detail and "Score (0–100)" not in detail and "Answers" in detail
    coach = client_for(world.coach_both, world.acme.host)
    coach_view = coach.get(reverse("result_coachee", args=[world.acme.employee2.pk])).content.decode()
    assert "Release the results" in coach_view and 'class="chart chart--scores"' in coach_view
    released = coach.post(
        reverse("assignment_release", args=[world.acme.people["a_initial2"]]), {"next": "https://evil.example/"}
    )
    assert released.status_code == 302 and released["Location"] == reverse("assignment_coaching")
    assert 'class="chart chart--scores"' in employee2.get(reverse("result_mine")).content.decode()


def test_another_coach_cannot_release(world, client_for, in_tenant):
    response = client_for(world.acme.coach, world.acme.host).post(
        reverse("assignment_release", args=[world.acme.people["a_initial2"]])
    )
    assert response.status_code == 404
    with in_tenant(world.acme):
        assert Assignment.objects.get(pk=world.acme.people["a_initial2"]).released_at is None


def test_a_coach_reading_answers_and_results_is_logged_for_the_employee(world, client_for, in_tenant):
    pk = world.acme.people["a_initial"]
    client_for(world.acme.employee, world.acme.host).get(reverse("assignment_result", args=[pk]))
    with in_tenant(world.acme):
        assert not AccessLogEntry.objects.exists()
    coach = client_for(world.acme.coach, world.acme.host)
    assert coach.get(reverse("assignment_result", args=[pk])).status_code == 200
    coach.get(reverse("result_coachee", args=[world.acme.employee.pk]))
    with in_tenant(world.acme):
        entries = list(AccessLogEntry.objects.order_by("pk").values_list("owner_id", "reader_id", "kind", "object_id"))
    owner, reader = world.acme.employee.pk, world.acme.coach.pk
    # The result page reads answers and scores (one INSERT for both), the results page the scores again.
    assert sorted(entries) == sorted(
        [(owner, reader, "answers", pk), (owner, reader, "result", pk), (owner, reader, "result", pk)]
    )


def test_hr_sees_completion_and_no_scores_below_the_minimum_group(world, client_for):
    body = (
        client_for(world.acme.hr, world.acme.host)
        .get(reverse("result_aggregate", args=[world.acme.people["a_scheduled"]]))
        .content.decode()
    )
    assert "Withheld: fewer than 5 people" in body
    assert "Average scores appear once at least 5 people have completed this assessment" in body
    assert "Average (0–100)" not in body
    for private in (world.acme.employee.get_full_name(), world.acme.employee2.get_full_name(), "Steady ground"):
        assert private not in body


def test_hr_sees_means_for_a_group_large_enough_and_per_cohort_only_when_large_enough(world, client_for, in_tenant):
    with in_tenant(world.acme):
        enrol_and_submit(world, 5)
        disclosure.refresh(force=True)
    hr = client_for(world.acme.hr, world.acme.host)
    url = reverse("result_aggregate", args=[world.acme.people["a_scheduled"]])
    body = hr.get(url).content.decode()
    # Cohort A: five new people (no department) at 3, each dimension 50, and the world's employee
    # (Operations, alone: pooled with the five) at 4 (62.5 for speaking up): one cell of six, released.
    # Cohort B: the world's second employee alone, withheld and left out of the programme's figures too,
    # so that programme minus cohort A gives nothing.
    assert "Average (0–100)" in body and '6<span class="stat__unit">/ 6' in body
    assert '<th scope="row">Speaking up</th>\n      <td class="num">6</td>\n      <td class="num">52</td>' in body
    assert "Extra0" not in body
    cohort_b = hr.get(url + f"?cohort={world.acme.people['cohort_b']}", **HTMX)
    figures = cohort_b.content.decode()
    assert "<html" not in figures and "Average scores in Cohort B" in figures
    assert "Withheld: fewer than 5 people" in figures and "Average (0–100)" not in figures
    cohort_a = hr.get(url + f"?cohort={world.acme.people['cohort_a']}", **HTMX).content.decode()
    assert "Average (0–100)" in cohort_a


def test_hr_compares_a_final_with_the_same_peoples_baseline(world, client_for, in_tenant):
    with in_tenant(world.acme):
        enrol_and_submit(world, 5, value=2, moments=("initial", "final"))
        disclosure.refresh(force=True)
        final = PhaseAssessment.objects.get(version_id=world.acme.people["a_builtin"], moment="final")
    body = client_for(world.acme.hr, world.acme.host).get(reverse("result_aggregate", args=[final.pk])).content.decode()
    assert "Same people at the start" in body
    # Answering 2 both times: no change for the five who did both.
    assert '<span class="change">+0</span>' in body


# --- query counts: fixed however much data there is -------------------------------------------------


def _three_phases(world):
    """The employee hands in the midpoint and final as well: three moments of one instrument."""
    org = world.acme
    hr = policy.actor_for(org.hr, org.organisation)
    today = timezone.localdate()
    phase = Phase.objects.filter(programme_id=org.people["programme"], kind="individual").first()
    midpoint = services.phase_assessment_schedule(
        actor=hr,
        phase=phase,
        version=PhaseAssessment.objects.get(pk=org.people["a_scheduled"]).version,
        moment="midpoint",
        opens_on=today - timedelta(days=3),
        due_on=today,
    )
    submit(org.employee, org.organisation, midpoint.assignments.get(employee=org.employee), 3)
    hand_in_final(world, value=5)


def test_the_results_page_with_three_phases_has_a_fixed_number_of_queries(
    world, client_for, in_tenant, django_assert_num_queries
):
    with in_tenant(world.acme):
        _three_phases(world)
    client = client_for(world.acme.employee, world.acme.host)
    url = reverse("result_mine")
    client.get(url)
    # 1 domain → organisation, 2 session, 3 user, 4 roles here, 5 the assessments handed in,
    # 6 their scores, 7 the bands of those dimensions. Each is preceded by django-tenants' SET search_path.
    with django_assert_num_queries(statements(7)):
        body = client.get(url).content.decode()
    assert body.count('<th scope="col" class="num">') == 4  # initial, midpoint, final, change
    with in_tenant(world.acme):
        # A second instrument in the programme: more rows, the same queries.
        hr = policy.actor_for(world.acme.hr, world.acme.organisation)

        today = timezone.localdate()
        check_in = services.phase_assessment_schedule(
            actor=hr,
            phase=Phase.objects.filter(programme_id=world.acme.people["programme"]).first(),
            version=InstrumentVersion.objects.get(instrument__key="session-check-in"),
            moment="initial",
            opens_on=today,
            due_on=today,
        )
        submit(world.acme.employee, world.acme.organisation, check_in.assignments.get(employee=world.acme.employee), 7)
    with django_assert_num_queries(statements(7)):
        assert "Session check-in" in client.get(url).content.decode()


def test_hrs_aggregate_has_a_fixed_number_of_queries(world, client_for, in_tenant, django_assert_num_queries):
    client = client_for(world.acme.hr, world.acme.host)
    url = reverse("result_aggregate", args=[world.acme.people["a_scheduled"]])
    client.get(url)
    # 1 domain, 2 session, 3 user, 4 roles, 5 the scheduled assessment, 6 the programme's cohorts,
    # 7 the released cells (completion, means and baselines of every cohort), 8 the version's dimensions.
    # Each after a SET search_path. Nothing released yet:
    with django_assert_num_queries(statements(8)):
        client.get(url)
    with in_tenant(world.acme):
        enrol_and_submit(world, 6)
        disclosure.refresh(force=True)
    # ... and the same however many people and cohorts are released.
    with django_assert_num_queries(statements(8)):
        assert "Average (0–100)" in client.get(url).content.decode()
