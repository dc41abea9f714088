"""How the OpenAPI schema at /api/v1/schema/ is made to say what the server does, for every endpoint at once.

`PortalAutoSchema` (DRF's DEFAULT_SCHEMA_CLASS) adds to each operation, from facts of its view rather than
by hand:

- the error answers it can give, each with the one error body (`Error`): 400 where it takes input, 401
  where it needs a signed-in caller, 403 for a write (a cookie session without its CSRF token, a token
  that may only read), 404 where it looks a row up, is limited to some roles or pages its list, 429 where
  it is throttled (with `Retry-After`): by a throttle of its own, or by the per-token limit
  (`TokenRateThrottle`) wherever a personal API token is accepted; 422 where it honours an
  `Idempotency-Key` (the key reused with another body). An endpoint declares only what these rules cannot know (a 409, a
  403 of its own rules), with `refused(...)`;
- request bodies as JSON only, or multipart where the endpoint takes a file (its parsers take no JSON);
- a summary (declared, else made from the action and the model's name, else the docstring's first
  sentence);
- `security: []` where no sign-in is needed.

`postprocess` then types the nullable references OpenAPI 3.0 requires a `type` beside.

The public host has a schema of its own (`PUBLIC_SETTINGS`, generated from portal.urls_public): the same
rules, its own title, description and server.
"""

from __future__ import annotations

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny

from portal.authentication import MemberTokenAuthentication
from portal.idempotency import HEADER as IDEMPOTENCY_HEADER
from portal.throttling import TokenRateThrottle

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
ERROR_DESCRIPTIONS = {
    "400": "The input is not valid: `detail`, or each field's name, says what is wrong. Nothing was changed.",
    "401": "No valid credentials: send `Authorization: Token <key>` (see /api/v1/auth/token/).",
    "403": "Not allowed: a signed-in browser session without its CSRF token, a read-only token, or a "
    "rule that forbids this now (`code` names it).",
    "404": "No such row here, or not one the caller may see (the two answer alike), or no such page.",
    "409": "The rules do not allow this now; `detail` says why and `code` names it.",
    "422": "This `Idempotency-Key` was already used for a different request to this endpoint (`code` is "
    "`idempotency_key_reused`): send a new key for a new request, or the same body to retry. Nothing was changed.",
    "429": "Too many requests: try again after the seconds in the `Retry-After` header.",
}
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."},
}
STANDARD_ACTIONS = {
    "list": "List {plural}",
    "retrieve": "Get one {singular}",
    "create": "Create one {singular}",
    "update": "Replace one {singular}",
    "partial_update": "Change one {singular}",
    "destroy": "Delete one {singular}",
}
SUMMARY_LENGTH = 90
PUBLIC_URLCONF = "portal.urls_public"
# SPECTACULAR_SETTINGS for the public host's schema (`manage.py spectacular --custom-settings ...`).
PUBLIC_SETTINGS = {
    "TITLE": "Coaching portal API: the public host",
    "DESCRIPTION": "A person's own views across organisations, on the portal's public host: the organisations "
    "where they hold a role, the invitations to their address, and a coach's workspace. A personal API token "
    "made on any of the person's organisation hosts (POST /api/v1/auth/token/ there) is valid here for their "
    "own views only.",
    "SERVERS": [
        {
            "url": "{scheme}://{domain}",
            "description": "The portal's public host (no organisation in the name).",
            "variables": {
                "scheme": {"default": "http", "enum": ["https", "http"]},
                "domain": {"default": "localhost:8000", "description": "The portal's domain (PORTAL_DOMAIN)."},
            },
        }
    ],
}


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
class MessagesField(serializers.JSONField):
    """A message, or a list of messages."""


class ErrorSerializer(serializers.Serializer):
    """Every error answer: `detail` says what is wrong (a list of messages when a rule names several),
    `code` names a refusal where the API gives one; a refusal of input may instead name each field, with
    that field's messages."""

    detail = MessagesField(
        required=False, help_text="What is wrong: a message, or a list of messages for a rule that found several."
    )
    code = serializers.CharField(required=False, help_text="Names the refusal, where the API gives one.")

    class Meta:
        ref_name = "Error"


def refused(description: str = ERROR_DESCRIPTIONS["409"]) -> OpenApiResponse:
    """A refusal an endpoint declares itself (a 409, or a 403 of its own rules), with the one error body."""
    return OpenApiResponse(ErrorSerializer, description=description)


class PortalAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if operation.get("security", [{}]) == [{}]:  # nothing but "anyone": no sign-in at all
            operation["security"] = []
        self._add_error_responses(operation)
        return operation

    # --- request bodies -----------------------------------------------------------------------------

    def map_parsers(self):
        """JSON, unless the endpoint reads no JSON (it takes a file): then its multipart form."""
        parsers = self.view.get_parsers()
        if any(isinstance(parser, JSONParser) for parser in parsers):
            return ["application/json"]
        media_types = [parser.media_type for parser in parsers]
        return [media for media in media_types if media.startswith("multipart/")][:1] or media_types[:1]

    # --- summaries ----------------------------------------------------------------------------------

    def get_summary(self):
        declared = super().get_summary()
        if declared:
            return declared
        action = getattr(self.view, "action", None)
        plural = self._path_noun()
        if action in STANDARD_ACTIONS:
            return STANDARD_ACTIONS[action].format(plural=plural, singular=_singular(plural))
        sentence = self._first_sentence(action)
        if sentence:
            return sentence
        words = (action or self.method.lower()).replace("_", " ")
        resource = self.path.removeprefix("/api/v1/").strip("/").split("/")[0].replace("-", " ")
        return f"{words.capitalize()} ({_singular(resource)})"

    def _first_sentence(self, action) -> str:
        """The docstring's first sentence, or its first clause when the sentence is long."""
        if action:  # a viewset's own action, not the viewset's docstring
            doc = getattr(getattr(self.view, action, None), "__doc__", None) or ""
        else:
            doc = self.get_description() or ""
        doc = re.sub(r"^[A-Z][A-Za-z]*: ", "", " ".join(doc.split()))  # "HR: enrol ..." (who may)
        first = re.split(r"(?<=[.!?])\s", doc, maxsplit=1)[0].rstrip(".")
        if len(first) > SUMMARY_LENGTH:
            first = re.split(r"[;(,]|: ", first, maxsplit=1)[0].strip()
        return first[:1].upper() + first[1:] if len(first) <= SUMMARY_LENGTH else ""

    def _path_noun(self) -> str:
        words = [part for part in self.path.strip("/").split("/") if part and not part.startswith("{")]
        return (words[-1] if words else "api").replace("-", " ")

    # --- error answers ------------------------------------------------------------------------------

    def _error_statuses(self, operation: dict) -> set[str]:
        view, method = self.view, self.method
        statuses: set[str] = set()
        signed_in = not any(isinstance(permission, AllowAny) for permission in view.get_permissions())
        path_parameters = "{" in self.path
        query_names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        if "requestBody" in operation or method in UNSAFE or query_names - {"page"}:
            statuses.add("400")
        authenticators = view.get_authenticators()
        takes_token = any(isinstance(a, MemberTokenAuthentication) for a in authenticators)
        if signed_in:
            statuses.add("401")
            if method in UNSAFE and (takes_token or any(isinstance(a, SessionAuthentication) for a in authenticators)):
                statuses.add("403")  # a session without its CSRF token, a read-only token
            if path_parameters or getattr(view, "roles", ()) or "page" in query_names or method in UNSAFE:
                statuses.add("404")
        elif path_parameters:
            statuses.add("404")
        if any(not isinstance(t, TokenRateThrottle) or takes_token for t in view.get_throttles()):
            statuses.add("429")  # its own limit, or the per-token limit where a token is accepted
        headers = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}
        if IDEMPOTENCY_HEADER in headers:
            statuses.add("422")
        return statuses

    def _add_error_responses(self, operation: dict) -> None:
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status in sorted(self._error_statuses(operation) - set(responses)):
            responses[status] = {
                "content": {"application/json": {"schema": error}},
                "description": ERROR_DESCRIPTIONS[status],
            }
        if "429" in responses:
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
        operation["responses"] = dict(sorted(responses.items()))


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    return plural[:-1] if plural.endswith("s") and not plural.endswith("ss") else plural


def _typed_nullable(schema, components: dict) -> None:
    """OpenAPI 3.0 ignores `nullable` without a `type` beside it. A nullable reference becomes "the
    referenced schema, or null" (`oneOf` with a typed null), which validators and generated clients
    alike read as such; other untyped nullable combinations get the type their parts share."""
    if isinstance(schema, dict):
        if schema.get("nullable") and "type" not in schema and len(schema.get("allOf", [])) == 1:
            reference = schema.pop("allOf")[0]
            del schema["nullable"]
            null = {"type": _type_of(reference, components) or "object", "nullable": True, "enum": [None]}
            schema["oneOf"] = [reference, null]
        elif schema.get("nullable") and "type" not in schema:
            for combined in ("oneOf", "anyOf"):
                kinds = {_type_of(part, components) for part in schema.get(combined, [])}
                if len(kinds) == 1 and None not in kinds:
                    schema["type"] = kinds.pop()
                    break
        for value in schema.values():
            _typed_nullable(value, components)
    elif isinstance(schema, list):
        for value in schema:
            _typed_nullable(value, components)


def _type_of(part: dict, components: dict):
    if "$ref" in part:
        part = components.get(part["$ref"].rsplit("/", 1)[-1], {})
    if "type" in part:
        return part["type"]
    if "enum" in part:
        kinds = {type(value).__name__ for value in part["enum"] if value is not None}
        return {"str": "string", "int": "integer", "bool": "boolean"}.get(kinds.pop()) if len(kinds) == 1 else None
    if "properties" in part:
        return "object"
    return None


def _references(schema) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["$ref"].rsplit("/", 1)[-1]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_references(value) for value in schema))
    return set()


def _unused_dropped(result: dict, components: dict) -> None:
    """A request component of a serializer that is only ever read-only (a person nested in an answer)
    is made but never used: left out."""
    used, todo = set(), _references(result.get("paths", {}))
    while todo:
        name = todo.pop()
        if name not in used and name in components:
            used.add(name)
            todo |= _references(components[name])
    for name in set(components) - used:
        del components[name]


def postprocess(result, generator, request, public):
    """The last of SPECTACULAR_SETTINGS' POSTPROCESSING_HOOKS."""
    components = result.get("components", {}).get("schemas", {})
    _typed_nullable(result, components)
    _unused_dropped(result, components)
    return result
