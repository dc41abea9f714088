"""docs/CONFIDENTIALITY.md (and its Dutch twin) say what the code does, and the code does what they say."""

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import override_settings

from portal import confidentiality, policy


def test_the_table_agrees_with_the_policy_rule_of_every_model(world):
    connection.set_tenant(world.acme.organisation)
    assert confidentiality.disagreements() == []


def test_a_model_without_a_row_is_reported(world, monkeypatch):
    connection.set_tenant(world.acme.organisation)
    monkeypatch.setattr(
        confidentiality,
        "ROWS",
        tuple(row for row in confidentiality.ROWS if "assessments.SessionNote" not in row.models),
    )
    assert confidentiality.disagreements() == [
        "assessments.SessionNote has a rule in the policy but no row in the table"
    ]


def test_a_row_that_claims_more_or_less_than_the_rule_is_reported(world, monkeypatch):
    connection.set_tenant(world.acme.organisation)
    rows = [
        row
        if row.models != ("assessments.SessionNote",)
        else confidentiality.Row(row.label, row.models, row.employee, row.coach, hr="yes")
        for row in confidentiality.ROWS
    ]
    monkeypatch.setattr(confidentiality, "ROWS", tuple(rows))
    assert confidentiality.disagreements() == ["assessments.SessionNote, hr_manager: the table says yes, the policy no"]


def test_hr_reads_no_row_of_any_coaching_content(world):
    connection.set_tenant(world.acme.organisation)
    content = [
        "assessments.Reflection",
        "assessments.ReflectionReply",
        "assessments.Goal",
        "assessments.CheckIn",
        "assessments.ActionItem",
        "assessments.GoalComment",
        "assessments.GoalOption",
        "assessments.SessionFeedback",
        "assessments.CoachFeedback",
        "assessments.SessionNote",
        "assessments.SessionSummary",
        "assessments.Answer",
        "assessments.Score",
        "assessments.Assignment",
        "assessments.AccessLogEntry",
        "programmes.UrgentRequest",
    ]

    assert [label for label in content if confidentiality.reads_rows(policy.HR_MANAGER, apps.get_model(label))] == []


@override_settings(MIN_AGGREGATE_GROUP_SIZE=5)
def test_the_checked_in_pages_are_what_the_code_says_now(world):
    connection.set_tenant(world.acme.organisation)
    for language, name in confidentiality.DOCUMENTS.items():
        assert (settings.BASE_DIR / name).read_text() == confidentiality.render(language), (
            f"{name} is out of date: run `python manage.py confidentiality_doc`"
        )
