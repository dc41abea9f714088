"""The OpenAPI schemas at /api/v1/schema/ (an organisation's host, and the public host): they generate with no
warning, every component has a name of its own, and every choice set is named after its model, so clients
generated from them stay stable. The rules every operation follows, Redocly's linter, the committed copies and
the breaking-change check apply to both."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.urls import path as url_path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema
from jsonschema import Draft202012Validator, FormatChecker
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle

from portal.api_schema import PUBLIC_SETTINGS, PUBLIC_URLCONF
from scripts.api_schema_diff import breaking_changes, major
from scripts.api_schema_diff import main as schema_diff_main

FORMATS = FormatChecker()
BASE_DIR = Path(__file__).resolve().parents[1]
COMMITTED = BASE_DIR / "docs" / "api" / "openapi.yaml"
REFRESH = ".venv/bin/python manage.py spectacular --validate --fail-on-warn --file docs/api/openapi.yaml"
COMMITTED_PUBLIC = BASE_DIR / "docs" / "api" / "openapi-public.yaml"
REFRESH_PUBLIC = (
    ".venv/bin/python manage.py spectacular --validate --fail-on-warn --urlconf portal.urls_public "
    "--custom-settings portal.api_schema.PUBLIC_SETTINGS --file docs/api/openapi-public.yaml"
)
# host -> (the committed copy, the command that refreshes it)
COPIES = {"organisation": (COMMITTED, REFRESH), "public": (COMMITTED_PUBLIC, REFRESH_PUBLIC)}
API_TOOLS = BASE_DIR / "scripts" / "api"
REDOCLY = API_TOOLS / "node_modules" / ".bin" / "redocly"


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value) -> bool:
    # jsonschema checks "uri" only with rfc3987 installed: an absolute URL, as the API's links are.
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is None or bool(parts.scheme and parts.netloc)


def _generated(urlconf=None, custom_settings=None) -> dict:
    GENERATOR_STATS.reset()
    with patched_settings(custom_settings):
        generated = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return {
        "schema": generated,
        "warnings": GENERATOR_STATS._warn_cache.copy(),
        "errors": GENERATOR_STATS._error_cache.copy(),
    }


@pytest.fixture(scope="module")
def schema() -> dict:
    return _generated()


@pytest.fixture(scope="module")
def public_schema() -> dict:
    return _generated(PUBLIC_URLCONF, PUBLIC_SETTINGS)


@pytest.fixture(scope="module", params=list(COPIES))
def each_schema(request) -> dict:
    """The organisation host's schema, then the public host's, with the host they describe."""
    return {
        **request.getfixturevalue("schema" if request.param == "organisation" else "public_schema"),
        "host": request.param,
    }


def test_it_generates_without_warnings_or_errors(each_schema):
    assert each_schema["warnings"] == {} and each_schema["errors"] == {}
    validate_schema(each_schema["schema"])


@pytest.mark.parametrize("host", list(COPIES))
def test_the_spectacular_command_passes_with_fail_on_warn(tmp_path, host):
    # What CI and `manage.py spectacular --validate --fail-on-warn` do: a warning raises CommandError.
    options = (
        {"urlconf": PUBLIC_URLCONF, "custom_settings": "portal.api_schema.PUBLIC_SETTINGS"} if host == "public" else {}
    )
    call_command("spectacular", "--validate", "--fail-on-warn", file=str(tmp_path / "schema.yaml"), **options)
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
    assert enums["AccessLogKindEnum"] == [
        "result",
        "answers",
        "reflection",
        "goal",
        "feedback",
        "pulse",
        "stakeholders",
    ]
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


# --- What every operation declares (the rules of portal/api_schema.py, so new endpoints get them too) ---


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                yield method.upper(), path, operation


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _walk(schema):
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from _walk(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _walk(value)


def test_every_operation_has_a_summary(each_schema):
    missing = [
        f"{method} {path}"
        for method, path, operation in _operations(each_schema["schema"])
        if not operation.get("summary")
    ]
    assert missing == []


def test_request_bodies_are_json_and_multipart_only_for_a_file(each_schema):
    document = each_schema["schema"]
    for method, path, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            continue
        (media_type,) = content  # one media type each
        body = _resolve(document, content[media_type]["schema"])
        has_file = any(field.get("format") == "binary" for field in body.get("properties", {}).values())
        assert media_type == ("multipart/form-data" if has_file else "application/json"), f"{method} {path}"


def test_read_only_fields_are_never_in_request_bodies(each_schema):
    document = each_schema["schema"]
    for method, path, operation in _operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            seen, todo = set(), [media["schema"]]
            while todo:
                part = todo.pop()
                for node in _walk(part):
                    assert not node.get("readOnly"), f"{method} {path}: a read-only field in the request body"
                    reference = node.get("$ref")
                    if reference and reference not in seen:
                        seen.add(reference)
                        todo.append(_resolve(document, node))


def test_every_error_an_operation_can_answer_is_declared_with_the_error_body(each_schema):
    document = each_schema["schema"]
    error = {"$ref": "#/components/schemas/Error"}
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"detail", "code"}
    for method, path, operation in _operations(document):
        responses, name = operation["responses"], f"{method} {path}"
        if operation["security"]:
            assert "401" in responses, name
        if "{" in path:
            assert "404" in responses, name
        if method != "GET":
            assert {"400", "403"} <= set(responses) or not operation["security"], name
        for status, response in responses.items():
            if status.startswith("4") and name != "POST /api/v1/enrolments/import/":
                assert response["content"]["application/json"]["schema"] == error, f"{name} {status}"


def test_the_token_endpoint_needs_no_sign_in_and_declares_its_limit(schema):
    token = schema["schema"]["paths"]["/api/v1/auth/token/"]["post"]
    assert token["security"] == [] and "Retry-After" in token["responses"]["429"]["headers"]
    assert {"400", "429"} <= set(token["responses"])


def test_the_schema_names_its_servers(schema, public_schema):
    (server,) = schema["schema"]["servers"]
    assert server["url"] == "{scheme}://{organisation}.{domain}"
    assert set(server["variables"]) == {"scheme", "organisation", "domain"}
    (server,) = public_schema["schema"]["servers"]
    assert server["url"] == "{scheme}://{domain}" and set(server["variables"]) == {"scheme", "domain"}


def test_nullable_is_always_beside_a_type(each_schema):
    # OpenAPI 3.0 ignores `nullable` without a `type`; a nullable reference is "the reference, or null".
    untyped = [node for node in _walk(each_schema["schema"]) if node.get("nullable") and "type" not in node]
    assert untyped == []


def test_a_nullable_reference_is_the_reference_or_null(schema):
    cohort = schema["schema"]["components"]["schemas"]["Session"]["properties"]["cohort"]
    assert cohort["oneOf"] == [
        {"$ref": "#/components/schemas/CohortRef"},
        {"type": "object", "nullable": True, "enum": [None]},
    ]


def test_the_declared_errors_are_what_the_server_answers(world, client_for):
    from django.test import Client

    anonymous = Client(HTTP_HOST=world.acme.host)
    refused = anonymous.get("/api/v1/sessions/")
    assert refused.status_code == 401 and set(refused.json()) == {"detail"}
    missing = client_for(world.acme.employee, world.acme.host).get("/api/v1/sessions/999999/")
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    invalid = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/goals/", {"title": ""}, content_type="application/json"
    )
    assert invalid.status_code == 400 and set(invalid.json()) == {"title"}


def test_the_schema_is_the_same_whoever_asks(world, client_for, schema):
    for user in (world.acme.hr, world.acme.coach, world.acme.employee):
        served = client_for(user, world.acme.host).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
        assert served == json.loads(json.dumps(schema["schema"]))


def test_the_public_host_serves_its_own_schema_whoever_asks(world, client_for, public_schema):
    for user in (world.acme.coach, world.acme.employee, world.outsider):
        served = client_for(user, "localhost").get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
        assert served == json.loads(json.dumps(public_schema["schema"]))
    paths = set(public_schema["schema"]["paths"])
    assert {"/api/v1/coach/workspace/", "/api/v1/my/organisations/", "/api/v1/my/invitations/{id}/accept/"} <= paths
    assert "/api/v1/sessions/" not in paths  # an organisation's API is on its own host


def test_a_person_token_reads_the_public_schema_and_its_docs(world, client_for):
    from django.test import Client

    from tenants import tokens

    raw = tokens.token_create(user=world.acme.coach, name="schema reader").raw
    reader = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {raw}")
    served = reader.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200 and served.json()["info"]["title"] == PUBLIC_SETTINGS["TITLE"]
    assert Client(HTTP_HOST="localhost").get("/api/v1/schema/").status_code == 401
    assert client_for(world.acme.coach, "localhost").get("/api/v1/docs/").status_code == 200


# --- Redocly's linter ---------------------------------------------------------------------------


def test_redocly_lint_finds_no_error(each_schema, tmp_path):
    if not REDOCLY.exists():
        pytest.fail(f"Redocly CLI is not installed: run `make test-install` (npm ci in {API_TOOLS})")
    document = tmp_path / "openapi.yaml"
    document.write_text(yaml.safe_dump(each_schema["schema"], sort_keys=False))
    run = subprocess.run(
        [str(REDOCLY), "lint", str(document), "--config", str(API_TOOLS / "redocly.yaml"), "--format", "stylish"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " error " not in run.stdout


# --- The committed copy and breaking changes ----------------------------------------------------


def test_no_breaking_change_without_a_new_major_version(each_schema):
    copy, _refresh = COPIES[each_schema["host"]]
    committed, fresh = yaml.safe_load(copy.read_text()), each_schema["schema"]
    changes = breaking_changes(committed, fresh)
    assert not changes or major(fresh) > major(committed), (
        f"Breaking changes to the API (clients generated from {copy.relative_to(BASE_DIR)} would break); keep "
        "the old fields and operations, or raise SPECTACULAR_SETTINGS['VERSION'] to a new major version:\n"
        + "\n".join(changes)
    )


def test_the_committed_schema_is_up_to_date(each_schema):
    copy, refresh = COPIES[each_schema["host"]]
    committed = yaml.safe_load(copy.read_text())
    assert committed == json.loads(json.dumps(each_schema["schema"])), (
        f"{copy.relative_to(BASE_DIR)} is out of date; refresh it with:\n    " + refresh
    )


BASE = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1.0.0"},
    "paths": {
        "/a/": {
            "get": {"parameters": [{"in": "query", "name": "kind", "schema": {"type": "string"}}]},
            "post": {},
        }
    },
    "components": {
        "schemas": {
            "Thing": {"type": "object", "properties": {"id": {"type": "integer"}, "mode": {"$ref": "#/x"}}},
            "ThingRequest": {"type": "object", "properties": {"name": {"type": "string"}}, "required": []},
            "ModeEnum": {"enum": ["video", "phone"], "type": "string"},
        }
    },
}


def _changed(change) -> dict:
    document = json.loads(json.dumps(BASE))
    change(document)
    return document


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d["paths"]["/a/"].pop("post"), "operation removed: POST /a/"),
        (lambda d: d["components"]["schemas"]["Thing"]["properties"].pop("id"), "field removed: Thing.id"),
        (lambda d: d["components"]["schemas"]["ModeEnum"].update(enum=["video"]), "enum value removed: ModeEnum"),
        (
            lambda d: d["components"]["schemas"]["ThingRequest"].update(required=["name"]),
            "field made required: ThingRequest.name",
        ),
        (lambda d: d["paths"]["/a/"]["get"].pop("parameters"), "parameter removed: GET /a/ query kind"),
        (lambda d: d["components"]["schemas"].pop("Thing"), "component removed: Thing"),
    ],
)
def test_the_comparison_finds_each_kind_of_breaking_change(change, expected):
    changes = breaking_changes(BASE, _changed(change))
    assert len(changes) == 1 and changes[0].startswith(expected)


def test_additions_are_not_breaking_and_a_major_version_allows_a_break(tmp_path):
    def grow(d):
        d["paths"]["/b/"] = {"get": {}}
        d["components"]["schemas"]["Thing"]["properties"]["name"] = {"type": "string"}
        d["components"]["schemas"]["ModeEnum"]["enum"].append("in_person")

    assert breaking_changes(BASE, _changed(grow)) == []
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(BASE))
    new.write_text(yaml.safe_dump(_changed(lambda d: d["paths"]["/a/"].pop("post"))))
    assert schema_diff_main([str(old), str(new)]) == 1
    new.write_text(
        yaml.safe_dump(_changed(lambda d: (d["paths"]["/a/"].pop("post"), d["info"].update(version="2.0.0"))))
    )
    assert schema_diff_main([str(old), str(new)]) == 0


class ThingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()


class _Throttle(AnonRateThrottle):
    rate = "5/min"


class _ThingView(generics.RetrieveUpdateAPIView):
    """A thing of one's own."""

    serializer_class = ThingSerializer
    throttle_classes = [_Throttle]
    queryset = None


class _OpenView(generics.CreateAPIView):
    serializer_class = ThingSerializer
    permission_classes = [AllowAny]
    authentication_classes = []


def test_an_endpoint_added_later_gets_the_rules_without_declaring_them():
    patterns = [
        url_path("api/v1/things/<int:pk>/", _ThingView.as_view()),
        url_path("api/v1/open/", _OpenView.as_view()),
    ]
    document = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    change = document["paths"]["/api/v1/things/{id}/"]["patch"]
    assert set(change["responses"]) == {"200", "400", "401", "403", "404", "429"}
    assert "Retry-After" in change["responses"]["429"]["headers"]
    assert list(change["requestBody"]["content"]) == ["application/json"]
    body = document["components"]["schemas"]["PatchedThingRequest"]
    assert set(body["properties"]) == {"name"}  # the read-only id only in answers
    read = document["paths"]["/api/v1/things/{id}/"]["get"]
    assert set(read["responses"]) == {"200", "401", "404", "429"} and read["summary"] == "A thing of one's own"
    opened = document["paths"]["/api/v1/open/"]["post"]
    assert opened["security"] == [] and set(opened["responses"]) == {"201", "400"}
