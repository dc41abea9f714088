"""The OpenAPI schema at /api/v1/schema/: it generates with no warning, every component has a name of its
own, and every choice set is named after its model, so clients generated from it stay stable."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from jsonschema import Draft202012Validator, FormatChecker

FORMATS = FormatChecker()


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value) -> bool:
    # jsonschema checks "uri" only with rfc3987 installed: an absolute URL, as the API's links are.
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is None or bool(parts.scheme and parts.netloc)


@pytest.fixture(scope="module")
def schema() -> dict:
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return {
        "schema": generated,
        "warnings": GENERATOR_STATS._warn_cache.copy(),
        "errors": GENERATOR_STATS._error_cache.copy(),
    }


def test_it_generates_without_warnings_or_errors(schema):
    assert schema["warnings"] == {} and schema["errors"] == {}
    validate_schema(schema["schema"])


def test_the_spectacular_command_passes_with_fail_on_warn(tmp_path):
    # What CI and `manage.py spectacular --validate --fail-on-warn` do: a warning raises CommandError.
    call_command("spectacular", "--validate", "--fail-on-warn", file=str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi:")


def test_the_people_of_each_api_have_components_of_their_own(schema):
    components = schema["schema"]["components"]["schemas"]
    assert "Person" not in components  # two serializers of one name shared (or clashed over) one component
    assert {"EnrolmentPerson", "JournalPerson", "SessionPerson"} <= set(components)


def test_every_kind_status_and_mode_enum_is_named_after_its_model(schema):
    enums = {
        name: component["enum"]
        for name, component in schema["schema"]["components"]["schemas"].items()
        if "enum" in component
    }
    assert not [name for name in enums if re.search(r"[0-9A-F]{3}Enum$", name)]  # no hash-suffixed names
    assert enums["SessionStatusEnum"] == ["scheduled", "cancelled", "completed"]
    assert enums["SessionModeEnum"] == ["in_person", "video", "phone"]
    assert enums["AttendanceStatusEnum"] == ["expected", "present", "absent", "excused"]
    assert enums["AttendanceMarkEnum"] == ["present", "absent", "excused"]
    assert enums["AccessLogKindEnum"] == ["result", "answers", "reflection", "goal", "feedback"]
    assert enums["QuestionKindEnum"][0] == "likert5"
    named_by_serializer = {"ModeEnum", "MarkStatusEnum", "AttendanceRowStatusEnum", "AccessLogEntryKindEnum"}
    assert not named_by_serializer & set(enums)


def test_the_access_log_is_documented_as_the_paginated_list_it_answers(schema, world, client_for):
    operation = schema["schema"]["paths"]["/api/v1/me/access-log/"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert reference == "#/components/schemas/PaginatedAccessLogEntryList"
    documented = schema["schema"]["components"]["schemas"]["PaginatedAccessLogEntryList"]
    assert {"count", "next", "previous", "results"} <= set(documented["properties"])
    assert {"page", "kind"} <= {parameter["name"] for parameter in operation["parameters"]}
    answer = client_for(world.acme.employee, world.acme.host).get("/api/v1/me/access-log/").json()
    assert set(answer) == set(documented["properties"])


@pytest.mark.parametrize(
    "component, field",
    [("Session", "video_url"), ("Slot", "video_url"), ("Resource", "url"), ("SessionCreateRequest", "video_url")],
)
def test_a_link_that_may_be_empty_is_documented_as_a_uri_or_empty(schema, component, field):
    # Found by `make fuzz`: an in-person session answered "video_url": "" against a plain `format: uri`.
    documented = schema["schema"]["components"]["schemas"][component]["properties"][field]
    validator = Draft202012Validator(documented, format_checker=FORMATS)
    assert validator.is_valid("") and validator.is_valid("https://meet.example.com/x")
    assert not validator.is_valid("not a link")


def test_a_link_that_must_be_given_stays_a_plain_uri(schema):
    documented = schema["schema"]["components"]["schemas"]["PaginatedSessionList"]["properties"]["next"]
    assert documented["format"] == "uri" and "anyOf" not in documented


def test_the_attendance_sheet_is_documented_as_the_plain_list_it_answers(schema, world, client_for):
    # Found by `make fuzz`: documented as a paginated object, answered as an array.
    operation = schema["schema"]["paths"]["/api/v1/sessions/{id}/attendance/"]["get"]
    documented = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert documented == {"type": "array", "items": {"$ref": "#/components/schemas/AttendanceRow"}}
    assert "page" not in {parameter["name"] for parameter in operation.get("parameters", [])}
    answer = client_for(world.acme.employee, world.acme.host).get(
        f"/api/v1/sessions/{world.acme.people['session_past']}/attendance/"
    )
    assert answer.status_code == 200 and isinstance(answer.json(), list)
