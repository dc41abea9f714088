"""The SCIM 2.0 service (RFC 7643, RFC 7644) at /scim/v2/ on an organisation's host.

Callers are the organisation's HR system, with a bearer SCIM token from this organisation's schema; a
session cookie counts for nothing here. Payloads are read and answers written with scim2-models; filters
are parsed by scim2-filter-parser into a Django query on the provisioned people of this organisation
(scim.models.ScimUser), never on the shared table of accounts. Every error is a SCIM Error (`status`,
`scimType`, `detail`) and a refused write changes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from scim2_filter_parser.attr_paths import AttrPath
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser
from scim2_filter_parser.transpilers.django_q_object import Transpiler
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SCIMException,
    ServiceProviderConfig,
    Sort,
    User,
)

from scim import services
from scim.models import ScimGroup, ScimUser
from scim.tokens import scim_token_find

SCIM_JSON = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_RESULTS = 200
UserModel = User[EnterpriseUser]

# The attributes a filter may name, and the column each reads.
FILTER_ATTRIBUTES = {
    ("id", None, None): "id",
    ("userName", None, None): "user_name_key",
    ("externalId", None, None): "external_id",
    ("active", None, None): "active",
    ("emails", None, None): "email",
    ("emails", "value", None): "email",
    ("meta", "created", None): "created_at",
    ("meta", "lastModified", None): "updated_at",
}
GROUP_FILTER_ATTRIBUTES = {
    ("id", None, None): "id",
    ("displayName", None, None): "display_name",
    ("externalId", None, None): "external_id",
    ("meta", "created", None): "created_at",
    ("meta", "lastModified", None): "updated_at",
}


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def answer(data: dict, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=SCIM_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = answer(body, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
    return response


def scim_endpoint(methods: tuple[str, ...]) -> Callable:
    """Bearer SCIM token of this organisation, the allowed methods, and every failure as a SCIM Error."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            header = request.META.get("HTTP_AUTHORIZATION", "")
            scheme, _space, raw = header.partition(" ")
            token = scim_token_find(raw.strip()) if scheme.lower() == "bearer" else None
            if token is None:
                return error(401, _("A valid SCIM token of this organisation is needed (Authorization: Bearer)."))
            if request.method not in methods:
                response = error(405, _("This method is not allowed here."))
                response["Allow"] = ", ".join(methods)
                return response
            request.scim = services.Caller(organisation=request.tenant, token=token)
            try:
                return view(request, *args, **kwargs)
            except ScimError as failure:
                return error(failure.status, failure.detail, failure.scim_type)
            except SCIMException as failure:
                scim_error = failure.to_error()
                return error(scim_error.status or 400, scim_error.detail or str(failure), scim_error.scim_type)
            except pydantic.ValidationError as failure:
                return error(400, _validation_detail(failure), "invalidValue")

        return wrapped

    return decorate


def _validation_detail(failure: pydantic.ValidationError) -> str:
    parts = []
    for item in failure.errors()[:5]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("", None))
        parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
    return "; ".join(parts) or str(failure)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2")


# --- discovery --------------------------------------------------------------------------------------


def service_provider_config(request: HttpRequest) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri="https://datatracker.ietf.org/doc/html/rfc7644",
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="A SCIM token made by the organisation's HR managers.",
                primary=True,
            )
        ],
    )


def _schemas() -> list:
    return [UserModel.to_schema(), EnterpriseUser.to_schema(), Group.to_schema()]


def _with_meta(data: dict, resource_type: str, location: str) -> dict:
    data["meta"] = {"resourceType": resource_type, "location": location}
    return data


@scim_endpoint(("GET",))
def spc_view(request: HttpRequest) -> HttpResponse:
    data = service_provider_config(request).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return answer(_with_meta(data, "ServiceProviderConfig", f"{_base(request)}/ServiceProviderConfig"))


RESOURCE_TYPES = {"User": UserModel, "Group": Group}


def _resource_type_data(request: HttpRequest, name: str) -> dict:
    data = ResourceType.from_resource(RESOURCE_TYPES[name]).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    if name == "Group":
        data["description"] = "A department of the organisation; its members are the people in it."
    return _with_meta(data, "ResourceType", f"{_base(request)}/ResourceTypes/{name}")


def _schema_data(request: HttpRequest, schema) -> dict:
    data = schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    for attribute in data.get("attributes", []):
        # A person is invited by email: an address is required (the userName may be one instead, as from
        # Entra ID, whose userName is the user principal name).
        if attribute.get("name") == "emails":
            attribute["required"] = True
            for sub in attribute.get("subAttributes", []):
                if sub.get("name") == "value":
                    sub["required"] = True
    return _with_meta(data, "Schema", f"{_base(request)}/Schemas/{schema.id}")


def _list(resources: list[dict], total: int | None = None, start: int = 1) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


@scim_endpoint(("GET",))
def resource_types_view(request: HttpRequest) -> HttpResponse:
    return answer(_list([_resource_type_data(request, name) for name in RESOURCE_TYPES]))


@scim_endpoint(("GET",))
def resource_type_view(request: HttpRequest, name: str) -> HttpResponse:
    if name not in RESOURCE_TYPES:
        raise ScimError(404, _("There is no resource type %(name)s.") % {"name": name})
    return answer(_resource_type_data(request, name))


@scim_endpoint(("GET",))
def schemas_view(request: HttpRequest) -> HttpResponse:
    return answer(_list([_schema_data(request, schema) for schema in _schemas()]))


@scim_endpoint(("GET",))
def schema_view(request: HttpRequest, schema_id: str) -> HttpResponse:
    for schema in _schemas():
        if schema.id == schema_id:
            return answer(_schema_data(request, schema))
    raise ScimError(404, _("There is no schema %(id)s.") % {"id": schema_id})


# --- users ------------------------------------------------------------------------------------------


def _read_json(request: HttpRequest) -> dict:
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ScimError(400, _("The body is not valid JSON."), "invalidSyntax") from None
    if not isinstance(payload, dict):
        raise ScimError(400, _("The body must be a JSON object."), "invalidSyntax")
    return payload


def _person(resource) -> services.Person:
    """What provisioning needs from a validated SCIM User; refuses a User without a usable address."""
    email = ""
    emails = resource.emails or []
    chosen = next((item for item in emails if item.primary), emails[0] if emails else None)
    if chosen is not None and chosen.value:
        email = str(chosen.value)
    elif "@" in (resource.user_name or ""):
        email = resource.user_name
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ScimError(
            400, _("Give the person an email address: in emails, or as a userName that is one."), "invalidValue"
        )
    if not (resource.user_name or "").strip():
        raise ScimError(400, _("userName is required."), "invalidValue")
    name = resource.name
    stored = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    for kept_out in ("id", "meta", "password"):
        stored.pop(kept_out, None)
    return services.Person(
        user_name=resource.user_name.strip(),
        external_id=(resource.external_id or "").strip(),
        email=email,
        active=resource.active is not False,
        first_name=((name.given_name if name else "") or "")[:150],
        last_name=((name.family_name if name else "") or "")[:150],
        resource=stored,
    )


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _manager(request: HttpRequest, value):
    """The enterprise `manager` as scim2-models reads it: Entra ID sends the manager's id alone (a string),
    others `{"value": id}` without the `$ref` the model asks for; both get the `$ref` of that User here."""
    if isinstance(value, str):
        value = {"value": value}
    if isinstance(value, dict) and value.get("value") and not value.get("$ref"):
        value = {**value, "$ref": f"{_base(request)}/Users/{value['value']}"}
    return value


def _with_manager_ref(request: HttpRequest, payload: dict) -> dict:
    enterprise = payload.get(ENTERPRISE)
    if isinstance(enterprise, dict) and "manager" in enterprise:
        payload[ENTERPRISE] = {**enterprise, "manager": _manager(request, enterprise["manager"])}
    return payload


def _patch_with_manager_ref(request: HttpRequest, payload: dict) -> dict:
    """A PATCH as scim2-models reads it, from what identity providers send (see _manager)."""
    for operation in payload.get("Operations") or []:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "")
        value = operation.get("value")
        # Entra ID sends `active` as the string "True" or "False" unless told otherwise.
        if path.lower() == "active" and isinstance(value, str) and value.lower() in ("true", "false"):
            operation["value"] = value.lower() == "true"
        elif not path and isinstance(value, dict) and str(value.get("active")).lower() in ("true", "false"):
            value["active"] = str(value["active"]).lower() == "true"
        if path.lower().endswith("manager") and "value" in operation:
            operation["value"] = _manager(request, operation["value"])
        elif isinstance(operation.get("value"), dict):
            _with_manager_ref(request, operation["value"])
    return payload


def _validate(request: HttpRequest, payload: dict, context: Context):
    return UserModel.model_validate(_with_manager_ref(request, payload), scim_ctx=context)


def _user_data(request: HttpRequest, scim_user: ScimUser) -> dict:
    data = dict(scim_user.resource)
    data["id"] = str(scim_user.pk)
    if "active" in data:  # an `active` the HR system removed stays unset (and counts as active)
        data["active"] = scim_user.active
    data["meta"] = {
        "resourceType": "User",
        "created": scim_user.created_at.isoformat(),
        "lastModified": scim_user.updated_at.isoformat(),
        "location": f"{_base(request)}/Users/{scim_user.pk}",
        "version": f'W/"{scim_user.version}"',
    }
    return data


def _shaped(params: dict, data: dict, model=UserModel) -> dict:
    """The answer with the client's `attributes` / `excludedAttributes` applied."""
    attributes, excluded = params.get("attributes"), params.get("excludedAttributes")
    if not attributes and not excluded:
        return data
    chosen = {}
    if attributes:
        chosen["attributes"] = attributes
    if excluded:
        chosen["excludedAttributes"] = excluded
    return model.model_validate(data).model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=ResponseParameters.model_validate(chosen)
    )


def _user_or_404(pk: str) -> ScimUser:
    scim_user = ScimUser.objects.filter(pk=pk).first() if _is_uuid(pk) else None
    if scim_user is None:
        raise ScimError(404, _("There is no user %(id)s here.") % {"id": pk})
    return services.resolve(scim_user)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _filtered(query: str, attributes: dict = FILTER_ATTRIBUTES, rows=None):
    """`rows` (the provisioned people) narrowed by the filter, parsed into a Django query on `attributes`."""
    try:
        paths = list(AttrPath(query, attributes))
        tree = SCIMParser().parse(SCIMLexer().tokenize(query))
    except Exception as failure:  # the parser raises SCIMParserError, the lexer plain exceptions
        raise ScimError(400, _("The filter cannot be read: %(error)s") % {"error": failure}, "invalidFilter") from None
    known = {(a.lower() if a else a, b.lower() if b else b, c) for a, b, c in attributes}
    for path in paths:
        key = (
            path.attr_name.lower() if path.attr_name else None,
            path.sub_attr.lower() if path.sub_attr else None,
            path.uri,
        )
        if key not in known:
            raise ScimError(
                400, _("Filtering on %(attribute)s is not supported.") % {"attribute": path.attr_name}, "invalidFilter"
            )
    q = Transpiler(attributes).transpile(tree)
    rows = ScimUser.objects.all() if rows is None else rows
    try:
        return rows.filter(q) if q is not None else rows
    except (DjangoValidationError, ValueError, TypeError):  # a value the column cannot hold (an id, a date)
        raise ScimError(400, _("A value in the filter does not fit its attribute."), "invalidFilter") from None


def _whole(params: dict, name: str, default: int, minimum: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ScimError(400, _("%(name)s must be a whole number.") % {"name": name}, "invalidValue") from None
    return max(number, minimum)


def _page(params: dict, rows) -> tuple[list, int, int]:
    """(this page's rows, how many in all, startIndex) by startIndex and count; the order is creation's."""
    start = _whole(params, "startIndex", 1, 1)
    count = min(_whole(params, "count", MAX_RESULTS, 0), MAX_RESULTS)
    rows = rows.order_by("created_at", "id")
    total = rows.count()
    return (list(rows[start - 1 : start - 1 + count]) if count else []), total, start


def _search(request: HttpRequest, params: dict) -> HttpResponse:
    """List or search (filter, startIndex, count, attributes, excludedAttributes)."""
    query = str(params.get("filter") or "").strip()
    rows, total, start = _page(params, _filtered(query) if query else ScimUser.objects.all())
    page = [services.resolve(row) for row in rows]
    return answer(_list([_shaped(params, _user_data(request, row)) for row in page], total=total, start=start))


def _listed(value) -> str | None:
    return ",".join(value) if isinstance(value, list) else value


def _search_params(request: HttpRequest) -> dict:
    payload = _read_json(request)
    return {
        "filter": payload.get("filter"),
        "startIndex": payload.get("startIndex"),
        "count": payload.get("count"),
        "attributes": _listed(payload.get("attributes")),
        "excludedAttributes": _listed(payload.get("excludedAttributes")),
    }


@scim_endpoint(("POST",))
def users_search_view(request: HttpRequest) -> HttpResponse:
    return _search(request, _search_params(request))


@scim_endpoint(("POST",))
def search_view(request: HttpRequest) -> HttpResponse:
    """A search of every resource type (RFC 7644 3.4.3): Users, then Groups, each in creation order. A type
    whose attributes the filter does not name contributes nothing; a filter no type knows is refused."""
    params = _search_params(request)
    query = str(params.get("filter") or "").strip()
    kinds = (
        (
            FILTER_ATTRIBUTES,
            ScimUser.objects.all(),
            lambda row: _shaped(params, _user_data(request, services.resolve(row))),
        ),
        (
            GROUP_FILTER_ATTRIBUTES,
            ScimGroup.objects.all(),
            lambda row: _shaped(params, _group_data(request, row), Group),
        ),
    )
    matched, refusal = [], None
    for attributes, rows, data in kinds:
        try:
            matched.append(((_filtered(query, attributes, rows) if query else rows).order_by("created_at", "id"), data))
        except ScimError as refused:
            refusal = refused
    if not matched:
        raise refusal
    start = _whole(params, "startIndex", 1, 1)
    count = min(_whole(params, "count", MAX_RESULTS, 0), MAX_RESULTS)
    totals = [rows.count() for rows, _data in matched]
    resources, skip = [], start - 1
    for (rows, data), total in zip(matched, totals, strict=True):
        wanted = count - len(resources)
        if skip >= total:
            skip -= total
            continue
        resources += [data(row) for row in rows[skip : skip + wanted]] if wanted > 0 else []
        skip = 0
    return answer(_list(resources, total=sum(totals), start=start))


@scim_endpoint(("GET", "POST"))
def users_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        resource = _validate(request, _read_json(request), Context.RESOURCE_CREATION_REQUEST)
        person = _person(resource)
        try:
            scim_user = services.scim_user_create(caller=request.scim, person=person)
        except services.Conflict:
            raise ScimError(409, _("Another user already has this userName."), "uniqueness") from None
        location = f"{_base(request)}/Users/{scim_user.pk}"
        return answer(_user_data(request, scim_user), 201, Location=location)
    return _search(request, request.GET.dict())


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def user_view(request: HttpRequest, pk: str) -> HttpResponse:
    scim_user = _user_or_404(pk)
    if request.method == "GET":
        return answer(_shaped(request.GET.dict(), _user_data(request, scim_user)))
    if request.method == "DELETE":
        services.scim_user_delete(caller=request.scim, scim_user=scim_user)
        return HttpResponse(status=204)
    if request.method == "PUT":
        payload = _read_json(request)
        resource = _validate(request, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    else:
        patch = PatchOp[UserModel].model_validate(
            _patch_with_manager_ref(request, _read_json(request)), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        current = UserModel.model_validate(_user_data(request, scim_user))
        patch.patch(current)
        resource = current
    person = _person(resource)
    with transaction.atomic():
        try:
            scim_user = services.scim_user_replace(caller=request.scim, scim_user=scim_user, person=person)
        except services.Conflict:
            raise ScimError(409, _("Another user already has this userName."), "uniqueness") from None
    return answer(_user_data(request, scim_user))


# --- groups: the organisation's departments ------------------------------------------------------------

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _group_data(request: HttpRequest, group: ScimGroup, members: bool = True) -> dict:
    data = {"schemas": [GROUP_SCHEMA], "id": str(group.pk), "displayName": group.display_name}
    if group.external_id:
        data["externalId"] = group.external_id
    if members:
        displays = group.member_displays or {}
        data["members"] = [
            {
                "value": str(pk),
                "$ref": f"{_base(request)}/Users/{pk}",
                "display": displays.get(str(pk), user_name),
                "type": "User",
            }
            for pk, user_name in services.group_members(group).values_list("pk", "user_name")
        ]
    data["meta"] = {
        "resourceType": "Group",
        "created": group.created_at.isoformat(),
        "lastModified": group.updated_at.isoformat(),
        "location": f"{_base(request)}/Groups/{group.pk}",
        "version": f'W/"{group.version}"',
    }
    return data


def _group_or_404(pk: str) -> ScimGroup:
    group = ScimGroup.objects.filter(pk=pk).first() if _is_uuid(pk) else None
    if group is None:
        raise ScimError(404, _("There is no group %(id)s here.") % {"id": pk})
    return group


def _department(resource: Group, *, members_given: bool) -> services.Department:
    name = (resource.display_name or "").strip()
    if not name:
        raise ScimError(400, _("displayName is required: the department's name."), "invalidValue")
    if len(name) > 120:
        raise ScimError(400, _("displayName is too long: at most 120 characters."), "invalidValue")
    given = resource.members or []
    return services.Department(
        display_name=name,
        external_id=(resource.external_id or "").strip(),
        members=[str(member.value or "") for member in given] if members_given else None,
        displays={str(member.value): str(member.display) for member in given if member.display},
    )


def _group_written(request: HttpRequest, write: Callable[[], ScimGroup], status: int = 200) -> HttpResponse:
    try:
        group = write()
    except services.Conflict:
        raise ScimError(409, _("Another group already has this displayName."), "uniqueness") from None
    except services.UnknownMember as unknown:
        raise ScimError(
            400, _("There is no user %(id)s here to be a member.") % {"id": unknown.value}, "invalidValue"
        ) from None
    headers = {"Location": f"{_base(request)}/Groups/{group.pk}"} if status == 201 else {}
    return answer(_group_data(request, group), status, **headers)


def _groups_search(request: HttpRequest, params: dict) -> HttpResponse:
    query = str(params.get("filter") or "").strip()
    everything = ScimGroup.objects.all()
    rows, total, start = _page(params, _filtered(query, GROUP_FILTER_ATTRIBUTES, everything) if query else everything)
    members = "members" not in str(params.get("excludedAttributes") or "")
    resources = [_shaped(params, _group_data(request, row, members), Group) for row in rows]
    return answer(_list(resources, total=total, start=start))


@scim_endpoint(("POST",))
def groups_search_view(request: HttpRequest) -> HttpResponse:
    return _groups_search(request, _search_params(request))


@scim_endpoint(("GET", "POST"))
def groups_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _groups_search(request, request.GET.dict())
    resource = Group.model_validate(_read_json(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    department = _department(resource, members_given=True)
    return _group_written(
        request, lambda: services.scim_group_create(caller=request.scim, department=department), status=201
    )


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def group_view(request: HttpRequest, pk: str) -> HttpResponse:
    group = _group_or_404(pk)
    if request.method == "GET":
        return answer(_shaped(request.GET.dict(), _group_data(request, group), Group))
    if request.method == "DELETE":
        services.scim_group_delete(caller=request.scim, group=group)
        return HttpResponse(status=204)
    if request.method == "PUT":
        payload = _read_json(request)
        resource = Group.model_validate(payload, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        # A replacement without `members` leaves none (RFC 7644 3.5.1); `members: []` alike.
        department = _department(resource, members_given=True)
    else:
        patch = PatchOp[Group].model_validate(_read_json(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        current = Group.model_validate(_group_data(request, group))
        patch.patch(current)
        department = _department(current, members_given=True)
    return _group_written(
        request, lambda: services.scim_group_replace(caller=request.scim, group=group, department=department)
    )


@scim_endpoint(("GET",))
def not_found_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise ScimError(404, _("There is nothing at this address."))
