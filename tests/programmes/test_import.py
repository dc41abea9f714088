"""The CSV import service: every kind of bad row is refused with its row, column and message and nothing
written; good files are imported in bulk, with invitations after commit; importing again changes nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.http import Http404
from django_tenants.utils import schema_context

from coaches.models import CoachProfile
from matching.selectors import coachees_counts
from programmes.models import (
    Agreement,
    AgreementAcceptance,
    Cohort,
    EmployeeProfile,
    Enrolment,
    EnrolmentEvent,
    Programme,
)
from programmes.services import imports
from programmes.services.enrolment import enrolment_update
from tenants.models import Invitation, Membership, PlatformEvent, Role, User
from tests.world.invitations import accept
from tests.world.matching import profile_ensure

HEADER = "email,first name,last name,department,job title,manager email,cohort"


def csv(*rows: str, header: str = HEADER, separator: str = ",", bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]).replace(",", separator) + "\n"
    return text.encode("utf-8-sig" if bom else "utf-8")


def written() -> dict:
    """What an import could have written, public and tenant rows alike."""
    with schema_context("public"):
        public = {
            "users": User.objects.count(),
            "memberships": Membership.objects.count(),
            "active_memberships": Membership.objects.filter(is_active=True).count(),
            "invitations": Invitation.objects.count(),
            "events": PlatformEvent.objects.count(),
        }
    return {
        **public,
        "enrolments": Enrolment.objects.count(),
        "history": EnrolmentEvent.objects.count(),
        "profiles": list(EmployeeProfile.objects.order_by("pk").values_list("department", "job_title", "manager")),
    }


def run(hr, programme, data: bytes) -> imports.ImportOutcome:
    return imports.enrolment_import(actor=hr, data=data, programme=programme)


def refused(hr, programme, data: bytes) -> list[dict]:
    """Import `data`, insist that nothing at all was written, and return the errors."""
    before = written()
    outcome = run(hr, programme, data)
    assert not outcome.ok
    assert written() == before
    assert outcome.enrolled == outcome.invited == 0
    return [error.as_dict() for error in outcome.errors]


# --- every kind of bad row --------------------------------------------------------------------------


def test_it_refuses_a_missing_email(hr, programme):
    errors = refused(hr, programme, csv(",Ann,Ames,,,,Cohort A"))
    assert errors == [{"row": 2, "column": "email", "message": "The email address is missing."}]


def test_it_refuses_an_invalid_email(hr, programme):
    errors = refused(hr, programme, csv("ann.example.com,Ann,Ames,,,,Cohort A"))
    assert errors == [{"row": 2, "column": "email", "message": "“ann.example.com” is not a valid email address."}]


def test_it_refuses_an_email_that_is_in_the_file_twice(hr, programme):
    errors = refused(
        hr,
        programme,
        csv(
            "ann@acme.test,Ann,Ames,,,,Cohort A",
            "bob@acme.test,Bob,Bell,,,,Cohort A",
            "ANN@acme.test,Ann,Again,,,,Cohort B",
        ),
    )
    assert errors == [{"row": 4, "column": "email", "message": "ann@acme.test is in the file twice: also on row 2."}]


def test_it_refuses_someone_already_enrolled_in_another_cohort_of_the_programme(hr, programme, acme):
    errors = refused(hr, programme, csv(f"{acme.employee.email},Eva,Acme,,,,Cohort B"))
    assert errors == [
        {
            "row": 2,
            "column": "email",
            "message": f"{acme.employee.email} is already enrolled in this programme, in cohort “Cohort A”. "
            "Move them on their enrolment page, or correct the file.",
        }
    ]


def test_it_refuses_an_unknown_cohort_and_names_the_cohorts_there_are(hr, programme):
    errors = refused(hr, programme, csv("ann@acme.test,Ann,Ames,,,,Cohort Z"))
    assert errors == [
        {
            "row": 2,
            "column": "cohort",
            "message": "“Leadership in practice” has no cohort “Cohort Z”. Its cohorts: Cohort A, Cohort B.",
        }
    ]


def test_it_refuses_a_cohort_over_capacity_from_the_row_that_overfills_it(hr, programme):
    Cohort.objects.filter(pk=programme.cohorts.get(name="Cohort A").pk).update(capacity=3)  # 1 seat taken
    errors = refused(hr, programme, csv(*(f"p{n}@acme.test,P,{n},,,,Cohort A" for n in range(4))))
    assert errors == [
        {
            "row": 4,
            "column": "cohort",
            "message": "Cohort “Cohort A” is full from this row on: it has room for 3, 1 person is enrolled and "
            "this file adds 4.",
        }
    ]


def test_it_refuses_a_file_that_is_not_utf8_and_names_the_row(hr, programme):
    data = (HEADER + "\nann@acme.test,Ann,Ames,,,,Cohort A\nzoe@acme.test,Zoë,Zand,,,,Cohort A\n").encode("latin-1")
    errors = refused(hr, programme, data)
    assert errors == [
        {
            "row": 3,
            "column": None,
            "message": "This row is not UTF-8 text, so names with accents would come out wrong. In Excel choose "
            "Save as › “CSV UTF-8 (comma delimited)” and upload that file.",
        }
    ]


def test_it_refuses_a_utf16_file(hr, programme):
    errors = refused(hr, programme, (HEADER + "\nann@acme.test,Ann,Ames,,,,Cohort A\n").encode("utf-16"))
    assert errors[0]["row"] is None and "UTF-16" in errors[0]["message"]


def test_it_refuses_more_rows_than_the_limit(hr, programme, settings):
    settings.ENROLMENT_IMPORT_MAX_ROWS = 3
    errors = refused(hr, programme, csv(*(f"p{n}@acme.test,P,{n},,,,Cohort B" for n in range(5))))
    assert errors == [
        {
            "row": None,
            "column": None,
            "message": "The file has 5 rows of people; at most 3 can be imported at once. Split it into smaller files.",
        }
    ]


def test_it_refuses_a_file_over_the_size_limit(hr, programme, settings):
    settings.ENROLMENT_IMPORT_MAX_BYTES = 1024 * 1024
    errors = refused(hr, programme, csv(*(f"person{n}@acme.test,P,{n},,,,Cohort B" for n in range(40_000))))
    assert errors == [
        {
            "row": None,
            "column": None,
            "message": "The file is larger than 1.0\xa0MB, the most that "
            "can be imported at once. Split it into smaller files.",
        }
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_it_refuses_a_cell_that_starts_like_a_formula(hr, programme, start):
    errors = refused(hr, programme, csv(f'ann@acme.test,Ann,Ames,{start}HYPERLINK("x"),,,Cohort A'))
    assert errors == [
        {
            "row": 2,
            "column": "department",
            "message": f"Starts with “{start}”, which spreadsheet programs may run as a formula. Remove that "
            "character.",
        }
    ]


def test_it_refuses_a_file_without_a_needed_column(hr, programme):
    errors = refused(hr, programme, csv("ann@acme.test,Ann,Ames", header="email,first name,last name"))
    assert [(error["row"], error["column"]) for error in errors] == [(1, "cohort")]
    assert errors[0]["message"].startswith("The column “cohort” is missing.")


def test_it_refuses_two_columns_with_the_same_meaning(hr, programme):
    errors = refused(
        hr, programme, csv("ann@acme.test,Ann,Ames,Cohort A,x@y.z", header="email,first name,last name,cohort,e-mail")
    )
    assert errors == [
        {"row": 1, "column": "e-mail", "message": "Two columns hold the email: “email” and “e-mail”. Keep one of them."}
    ]


def test_it_refuses_an_empty_file(hr, programme):
    assert refused(hr, programme, b"")[0]["message"].startswith("The file is empty.")
    assert refused(hr, programme, csv())[0]["message"] == "The file names its columns but has no rows of people."


def test_it_refuses_a_manager_who_is_not_in_the_file_or_the_organisation(hr, programme):
    errors = refused(hr, programme, csv("ann@acme.test,Ann,Ames,,,boss@elsewhere.test,Cohort A"))
    assert errors == [
        {
            "row": 2,
            "column": "manager email",
            "message": "The manager boss@elsewhere.test is not in this file and has no role in this organisation. "
            "Add them to the file or leave the cell empty.",
        }
    ]


def test_it_refuses_someone_as_their_own_manager(hr, programme):
    errors = refused(hr, programme, csv("ann@acme.test,Ann,Ames,,,ann@acme.test,Cohort A"))
    assert errors == [{"row": 2, "column": "manager email", "message": "Someone cannot be their own manager."}]


def test_it_refuses_a_coach_who_does_not_coach_here(hr, programme, acme):
    errors = refused(
        hr,
        programme,
        csv(f"ann@acme.test,Ann,Ames,Cohort A,{acme.hr.email}", header="email,first name,last name,cohort,coach email"),
    )
    assert errors == [
        {"row": 2, "column": "coach email", "message": f"{acme.hr.email} does not coach in this organisation."}
    ]


def test_it_refuses_credits_that_are_not_a_small_whole_number(hr, programme):
    errors = refused(
        hr, programme, csv("ann@acme.test,Ann,Ames,Cohort A,six", header="email,first name,last name,cohort,credits")
    )
    assert errors == [{"row": 2, "column": "credits", "message": "Write a whole number of credits from 0 to 100."}]


def test_it_refuses_missing_names(hr, programme):
    errors = refused(hr, programme, csv("ann@acme.test,,,,,,Cohort A"))
    assert [error["message"] for error in errors] == ["The first name is missing.", "The last name is missing."]


def test_it_refuses_to_enrol_into_a_closed_programme(hr, programme):
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.CLOSED)
    programme.refresh_from_db()
    errors = refused(hr, programme, csv("ann@acme.test,Ann,Ames,,,,Cohort A"))
    assert errors == [
        {
            "row": None,
            "column": None,
            "message": "“Leadership in practice” is closed. Reopen the programme before enrolling people.",
        }
    ]


def test_it_lists_every_problem_of_the_file_at_once_in_row_order(hr, programme, acme):
    errors = refused(
        hr,
        programme,
        csv(
            "ann@acme.test,Ann,Ames,,,,Cohort Z",
            "not-an-email,Bob,Bell,,,,Cohort A",
            f"{acme.employee.email},Eva,Acme,,,,Cohort B",
            "=cmd,Cy,Cole,,,,Cohort A",
        ),
    )
    assert [(error["row"], error["column"]) for error in errors] == [
        (2, "cohort"),
        (3, "email"),
        (4, "email"),
        (5, "email"),
    ]


def test_errors_name_the_columns_as_the_file_does(hr, programme):
    errors = refused(
        hr,
        programme,
        csv("ann.example.com;Ann;Ames;Groep A", separator=";", header="E-mailadres;Voornaam;Achternaam;Groep"),
    )
    assert errors[0]["column"] == "E-mailadres"


# --- good files ---------------------------------------------------------------------------------------


def test_it_imports_a_dutch_excel_file_with_semicolons_and_a_bom(
    hr, programme, acme, django_capture_on_commit_callbacks
):
    data = csv(
        "lead@acme.test;Lea;Lead;Warehouse;Team lead;;cohort a",
        "zoe@acme.test;Zoë;Zand;Warehouse;Planner;lead@acme.test;Cohort B",
        separator=";",
        bom=True,
        header="E-mailadres;Voornaam;Achternaam;Afdeling;Functie;Leidinggevende;Groep",
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(hr, programme, data)
    assert outcome.ok, outcome.errors
    assert outcome.summary() == {
        "rows": 2,
        "enrolled": 2,
        "unchanged": 0,
        "updated": 0,
        "invited": 2,
        "without_coach": 0,
        "ignored_columns": [],
    }
    # Invited, not yet members: no account, no role, no enrolment until each accepts.
    with schema_context("public"):
        assert not User.objects.filter(email__in=["lead@acme.test", "zoe@acme.test"]).exists()
    assert not Enrolment.objects.filter(employee__email__in=["lead@acme.test", "zoe@acme.test"]).exists()
    assert sorted(message.to[0] for message in mail.outbox) == ["lead@acme.test", "zoe@acme.test"]
    assert "/invitation/" in mail.outbox[0].body
    accept("lead@acme.test", "zoe@acme.test")
    lead, zoe = (
        Enrolment.objects.select_related("employee", "cohort").get(employee__email=email)
        for email in ("lead@acme.test", "zoe@acme.test")
    )
    assert (zoe.employee.first_name, zoe.employee.last_name, zoe.cohort.name) == ("Zoë", "Zand", "Cohort B")
    assert lead.cohort.name == "Cohort A" and lead.status == zoe.status == Enrolment.Status.INVITED
    assert zoe.credit_allowance == programme.default_credits
    profile = EmployeeProfile.objects.get(user=zoe.employee)
    assert (profile.department, profile.job_title, profile.manager_id) == ("Warehouse", "Planner", lead.employee_id)
    assert list(zoe.events.values_list("from_status", "to_status", "by")) == [("", "invited", acme.hr.pk)]
    with schema_context("public"):
        assert Membership.objects.filter(
            user=zoe.employee, organisation=acme.organisation, role=Role.EMPLOYEE, is_active=True
        ).exists()


def test_it_shares_new_people_among_the_cohorts_coaches(hr, programme, acme, world):
    programme.cohorts.get(name="Cohort B").coaches.add(acme.coach)  # now coached by both coaches
    Enrolment.objects.filter(programme=programme, coach=world.coach_both).update(coach=None)
    before = Enrolment.objects.filter(programme=programme, coach=acme.coach).count()
    outcome = run(hr, programme, csv(*(f"p{n}@acme.test,P,{n},,,,Cohort B" for n in range(4 + before))))
    assert outcome.ok
    accept(*(f"p{n}@acme.test" for n in range(4 + before)))
    # The coach of both had nobody in this programme, so they get people until the two are even.
    load = {
        coach: Enrolment.objects.filter(programme=programme, coach=coach).count()
        for coach in (acme.coach, world.coach_both)
    }
    assert load[acme.coach] == load[world.coach_both] == before + 2


def test_invitations_go_out_only_after_commit_and_not_to_employees_here(
    hr, programme, acme, django_capture_on_commit_callbacks
):
    Enrolment.objects.filter(employee=acme.employee2).delete()  # an employee here, in no programme now
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = run(
            hr, programme, csv("new@acme.test,New,Person,,,,Cohort A", f"{acme.employee2.email},Emil,Acme,,,,Cohort A")
        )
    assert outcome.ok and outcome.enrolled == 2 and outcome.invited == 1
    assert Enrolment.objects.filter(employee=acme.employee2, cohort__name="Cohort A").exists()
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["new@acme.test"]]


def test_importing_the_same_file_again_changes_nothing_and_says_so(hr, programme, django_capture_on_commit_callbacks):
    data = csv("ann@acme.test,Ann,Ames,Sales,Rep,,Cohort A", "bob@acme.test,Bob,Bell,Sales,Lead,,Cohort B")
    with django_capture_on_commit_callbacks(execute=True):
        assert run(hr, programme, data).enrolled == 2
    sent, before = len(mail.outbox), written()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = run(hr, programme, data)
    assert outcome.ok and not outcome.changed and outcome.unchanged == 2
    assert outcome.message() == "Nothing changed: everyone in this file is already enrolled or invited as it says."
    assert written() == before and len(mail.outbox) == sent and callbacks == []


def test_a_file_with_new_details_updates_the_profiles_of_people_already_enrolled(hr, programme, acme):
    outcome = run(hr, programme, csv(f"{acme.employee.email},Eva,Acme,Finance,Controller,,Cohort A"))
    assert outcome.summary()["updated"] == 1 and outcome.enrolled == 0
    assert outcome.message() == "1 profile updated, 1 already enrolled."
    profile = EmployeeProfile.objects.get(user=acme.employee)
    assert (profile.department, profile.job_title) == ("Finance", "Controller")


def test_someone_who_accepted_the_agreement_in_force_starts_active(hr, programme, acme):
    agreement = Agreement.objects.create(version=1, body="Text")
    AgreementAcceptance.objects.create(agreement=agreement, user=acme.hr)
    run(hr, programme, csv(f"{acme.hr.email},Hilde,Acme,,,,Cohort A"))
    assert not Enrolment.objects.filter(employee=acme.hr).exists()  # an employee here only once they accept
    accept(acme.hr.email)
    assert Enrolment.objects.get(employee=acme.hr, programme=programme).status == Enrolment.Status.ACTIVE


def test_a_person_whose_role_was_removed_is_invited_again_and_gets_it_back_on_accepting(hr, programme, acme):
    person = User.objects.create_user(email="former@acme.test", first_name="For", last_name="Mer")
    with schema_context("public"):
        Membership.objects.create(user=person, organisation=acme.organisation, role=Role.EMPLOYEE, is_active=False)
    outcome = run(hr, programme, csv("former@acme.test,For,Mer,,,,Cohort A"))
    assert outcome.ok and outcome.invited == 1
    with schema_context("public"):
        assert not Membership.objects.get(user=person, organisation=acme.organisation).is_active
    accept("former@acme.test")
    with schema_context("public"):
        assert Membership.objects.get(user=person, organisation=acme.organisation).is_active


def test_without_a_programme_it_finds_each_cohort_among_the_open_programmes(hr, programme, acme):
    other = Programme.objects.create(
        name="Sales academy", starts_on=programme.starts_on, ends_on=programme.ends_on, status=Programme.Status.ACTIVE
    )
    Cohort.objects.create(programme=other, name="Sales 1")
    Cohort.objects.create(programme=other, name="Cohort A")
    outcome = imports.enrolment_import(actor=hr, data=csv("ann@acme.test,Ann,Ames,,,,Sales 1"))
    assert outcome.ok
    accept("ann@acme.test")
    assert Enrolment.objects.get(employee__email="ann@acme.test").programme == other
    errors = refused(hr, None, csv("bob@acme.test,Bob,Bell,,,,Cohort A"))
    assert errors[0]["message"] == (
        "There is a cohort “Cohort A” in several programmes (Leadership in practice, "
        "Sales academy). Import into one programme at a time."
    )


def test_it_ignores_columns_it_does_not_know_and_says_which(hr, programme):
    outcome = run(
        hr,
        programme,
        csv("ann@acme.test,Ann,Ames,Cohort A,12345", header="Email,First Name,Last Name,Cohort,Employee number"),
    )
    assert outcome.ok and outcome.ignored_columns == ["Employee number"]


def test_a_large_valid_file_is_written_in_a_fixed_number_of_queries(hr, programme, django_assert_max_num_queries):
    Cohort.objects.filter(programme=programme).update(capacity=5000)
    rows = [
        f"person{n}@acme.test,Person,{n},Dept {n % 7},Role,{'' if n % 50 == 0 else f'person{n - n % 50}@acme.test'}"
        f",Cohort {'AB'[n % 2]}"
        for n in range(3000)
    ]
    # Lookups, locks and bulk inserts in batches of 2,000: the same few dozen queries for 3,000 rows or 10.
    with django_assert_max_num_queries(45):
        outcome = run(hr, programme, csv(*rows))
    assert outcome.ok and outcome.enrolled == 3000 and outcome.invited == 3000
    with schema_context("public"):
        invitation = Invitation.objects.get(email="person1234@acme.test")
    assert (invitation.enrolment["manager"], invitation.enrolment["department"]) == ("person1200@acme.test", "Dept 2")
    accept("person1200@acme.test", "person1234@acme.test")
    assert EmployeeProfile.objects.filter(
        user__email="person1234@acme.test", manager__email="person1200@acme.test", department="Dept 2"
    ).exists()


def test_every_call_path_needs_an_hr_manager(programme, actor, acme):

    with pytest.raises(Http404):
        run(actor(acme.coach, acme), programme, csv("ann@acme.test,Ann,Ames,,,,Cohort A"))


# --- coaches' room ----------------------------------------------------------------------------------

COACHED = "email,first name,last name,cohort,coach email"


def room_left(coach: User, left: int | None) -> None:
    """Give `coach` room for `left` more coachees across every organisation (None: no profile, so no
    capacity set)."""
    if left is None:
        with schema_context("public"):
            CoachProfile.objects.filter(coach=coach).delete()
        return
    profile_ensure(coach, capacity=coachees_counts([coach.pk])[coach.pk] + left)


def employee_here(acme, email: str) -> User:
    """Someone who is an employee here already and in no programme: an import enrols them at once."""
    user = User.objects.create_user(email=email, first_name="Nel", last_name="New")
    with schema_context("public"):
        Membership.objects.create(user=user, organisation=acme.organisation, role=Role.EMPLOYEE)
    return user


def test_it_refuses_a_coach_the_file_names_who_has_no_room_left(hr, programme, acme):
    room_left(acme.coach, 0)
    employee_here(acme, "nel@acme.test")
    errors = refused(hr, programme, csv(f"nel@acme.test,Nel,New,Cohort A,{acme.coach.email}", header=COACHED))
    assert errors == [
        {
            "row": 2,
            "column": "coach email",
            "message": f"{acme.coach.email} has no room for more coachees.",
        }
    ]


def test_it_counts_the_rows_it_gives_a_coach_who_has_no_room_left(hr, programme, acme):
    room_left(acme.coach, 0)
    errors = refused(
        hr, programme, csv(*(f"p{n}@acme.test,P,{n},Cohort A,{acme.coach.email}" for n in range(2)), header=COACHED)
    )
    assert errors == [
        {
            "row": 2,
            "column": "coach email",
            "message": f"{acme.coach.email} has no room for more coachees; this file gives them 2.",
        }
    ]


@pytest.mark.parametrize(
    ("left", "rows", "message"),
    [
        (2, 3, "has room for 2 more coachees; this file gives them 3."),
        (1, 2, "has room for 1 more coachee; this file gives them 2."),
    ],
)
def test_it_refuses_the_row_from_which_a_file_gives_a_coach_more_than_their_room(
    hr, programme, acme, left, rows, message
):
    room_left(acme.coach, left)
    # Invited people count too: they get the coach the file names when they accept.
    errors = refused(
        hr, programme, csv(*(f"p{n}@acme.test,P,{n},Cohort A,{acme.coach.email}" for n in range(rows)), header=COACHED)
    )
    assert errors == [{"row": rows + 1, "column": "coach email", "message": f"{acme.coach.email} {message}"}]


def test_a_file_giving_a_coach_exactly_their_room_is_imported(hr, programme, acme):
    room_left(acme.coach, 2)
    employee_here(acme, "nel@acme.test")
    outcome = run(
        hr,
        programme,
        csv(
            f"nel@acme.test,Nel,New,Cohort A,{acme.coach.email}",
            f"p1@acme.test,P,1,Cohort A,{acme.coach.email}",
            header=COACHED,
        ),
    )
    assert outcome.ok, outcome.errors
    assert Enrolment.objects.get(employee__email="nel@acme.test").coach == acme.coach


def test_a_coach_chosen_for_a_row_without_one_is_one_with_room(hr, programme, acme, world):
    cohort_a, cohort_b = programme.cohorts.get(name="Cohort A"), programme.cohorts.get(name="Cohort B")
    cohort_a.coaches.add(world.coach_both)  # Cohort A: the organisation's coach and the coach of both
    # The coach of both has two people in the programme, the organisation's coach one: the organisation's
    # coach would be chosen first, but has no room left.
    Enrolment.objects.create(
        programme=programme,
        cohort=cohort_b,
        employee=employee_here(acme, "busy@acme.test"),
        coach=world.coach_both,
        credit_allowance=3,
    )
    room_left(acme.coach, 0)
    room_left(world.coach_both, 5)
    employee_here(acme, "nel@acme.test")
    employee_here(acme, "ned@acme.test")
    outcome = run(hr, programme, csv("nel@acme.test,Nel,New,,,,Cohort A", "ned@acme.test,Ned,New,,,,Cohort A"))
    assert outcome.ok and outcome.enrolled == 2 and outcome.without_coach == 0
    assert set(
        Enrolment.objects.filter(employee__email__in=["nel@acme.test", "ned@acme.test"]).values_list("coach", flat=True)
    ) == {world.coach_both.pk}


def test_when_no_coach_of_the_cohort_has_room_someone_is_enrolled_without_a_coach_and_hr_is_told(hr, programme, acme):
    room_left(acme.coach, 0)
    employee_here(acme, "nel@acme.test")
    outcome = run(hr, programme, csv("nel@acme.test,Nel,New,,,,Cohort A"))
    assert outcome.ok and outcome.enrolled == 1 and outcome.without_coach == 1
    assert Enrolment.objects.get(employee__email="nel@acme.test").coach is None
    assert outcome.message() == (
        "1 person enrolled, 1 of them without a coach for now (no coach of their cohort has room)."
    )


def test_a_coach_without_a_profile_has_no_capacity_set_and_is_given_every_row_as_before(hr, programme, acme):
    room_left(acme.coach, None)
    employee_here(acme, "nel@acme.test")
    employee_here(acme, "ned@acme.test")
    outcome = run(
        hr,
        programme,
        csv(f"nel@acme.test,Nel,New,Cohort A,{acme.coach.email}", "ned@acme.test,Ned,New,Cohort A,", header=COACHED),
    )
    assert outcome.ok and outcome.without_coach == 0
    assert list(
        Enrolment.objects.filter(employee__email__in=["nel@acme.test", "ned@acme.test"]).values_list("coach", flat=True)
    ) == [acme.coach.pk, acme.coach.pk]


def test_a_coach_filled_in_another_organisation_after_the_upload_is_refused_when_the_import_runs(
    hr, programme, acme, world, in_tenant, actor
):
    room_left(world.coach_both, 1)
    employee_here(acme, "nel@acme.test")
    job = imports.import_job_create(
        actor=hr,
        file_name="people.csv",
        data=csv(f"nel@acme.test,Nel,New,Cohort B,{world.coach_both.email}", header=COACHED),
        programme=programme,
    )
    with in_tenant(world.globex):  # Globex's HR gives the coach of both their last place meanwhile
        enrolment = Enrolment.objects.get(pk=world.globex.people["enrolment"])
        enrolment_update(
            actor=actor(world.globex.hr, world.globex),
            enrolment=enrolment,
            cohort=enrolment.cohort,
            coach=world.coach_both,
            credit_allowance=enrolment.credit_allowance,
        )
    before = written()
    job = imports.import_job_run(job_id=job.pk)
    assert job.status == job.Status.FAILED
    assert job.errors == [
        {
            "row": 2,
            "column": "coach email",
            "message": f"{world.coach_both.email} has no room for more coachees.",
        }
    ]
    assert written() == before


def test_someone_invited_with_a_coach_who_filled_up_before_they_accept_gets_a_coach_of_the_cohort_with_room(
    hr, programme, acme, world
):
    programme.cohorts.get(name="Cohort A").coaches.add(world.coach_both)
    room_left(world.coach_both, 5)
    room_left(acme.coach, 1)
    assert run(hr, programme, csv(f"ann@acme.test,Ann,Ames,Cohort A,{acme.coach.email}", header=COACHED)).ok
    room_left(acme.coach, 0)  # their last place taken elsewhere meanwhile
    accept("ann@acme.test")
    assert Enrolment.objects.get(employee__email="ann@acme.test").coach == world.coach_both


def test_someone_invited_whose_cohorts_coaches_are_all_full_when_they_accept_is_enrolled_without_a_coach(
    hr, programme, acme
):
    assert run(hr, programme, csv("ann@acme.test,Ann,Ames,,,,Cohort A")).ok
    room_left(acme.coach, 0)
    accept("ann@acme.test")
    assert Enrolment.objects.get(employee__email="ann@acme.test").coach is None
