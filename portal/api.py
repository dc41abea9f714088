"""The API's foundations: token sign-in, who-am-I, and the base viewset every endpoint builds on.

`PolicyViewSet` takes its rows from the policy module and nothing else. Subclasses may not override
`get_queryset` or `get_object` (the class refuses to be defined); they narrow the rows the policy
already allows in `safely_filter_queryset`.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from portal import policy
from portal.api_schema import PUBLIC_SETTINGS, PUBLIC_URLCONF, refused
from portal.authentication import PersonTokenAuthentication
from portal.throttling import client_address
from sso import selectors as sso_selectors
from tenants import tokens, two_factor
from tenants.models import ApiToken


class BlankableURLFieldExtension(OpenApiSerializerFieldExtension):
    """A link that may be left empty (a session's video link, a resource that is a file) answers "", which
    is not a URI: the schema says "a URI or the empty string", as the field behaves."""

    target_class = "rest_framework.fields.URLField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self._may_be_blank(self.target):
            return schema
        uri = {key: value for key, value in schema.items() if key in ("type", "format", "maxLength")}
        rest = {key: value for key, value in schema.items() if key not in uri}
        return {"anyOf": [uri, {"type": "string", "maxLength": 0}], **rest}

    @staticmethod
    def _may_be_blank(field) -> bool:
        if field.allow_blank:
            return True
        # A read-only field a ModelSerializer made from a model's URLField drops allow_blank: ask the model.
        model = getattr(getattr(field.parent, "Meta", None), "model", None)
        try:
            return bool(model and model._meta.get_field(field.source).blank)
        except FieldDoesNotExist:
            return False


class MemberTokenScheme(OpenApiAuthenticationExtension):
    """Personal API tokens in the schema: `Authorization: Token <token>`."""

    target_class = "portal.authentication.MemberTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


class PersonTokenScheme(MemberTokenScheme):
    """The same token on the public host, standing for its person."""

    target_class = "portal.authentication.PersonTokenAuthentication"


class Conflict(exceptions.APIException):
    """409: the rules do not allow this now (a slot taken meanwhile, no credit left); `code` names why."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@contextmanager
def service_errors(*refusals: type[Exception]):
    """A service's refusal as the API's answer, the same in every endpoint: a ValidationError as 400 with
    its messages (keyed by field where it names one); PermissionDenied or Http404 (not yours to change) as
    the ordinary 404, which says no more than a row that does not exist. The exception types in `refusals`
    carry `message` and `code`: 403 when the code is "not_allowed", 409 otherwise."""
    try:
        yield
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        raise exceptions.ValidationError(detail) from None
    except (DjangoPermissionDenied, Http404):
        raise exceptions.NotFound(policy.NOT_FOUND) from None
    except refusals as refused:
        detail = {"detail": refused.message, "code": refused.code}
        if refused.code == "not_allowed":
            raise exceptions.PermissionDenied(detail) from None
        raise Conflict(detail) from None


def actor_of(request: Request) -> policy.Actor:
    """The Actor of an API request (token users get theirs from MemberTokenAuthentication)."""
    request.user  # noqa: B018  (runs authentication, which may set the actor)
    actor = policy.current_actor(request._request)
    if actor.user_id != getattr(request.user, "pk", None):
        raise exceptions.NotAuthenticated()
    return actor


class PolicyFieldsMixin:
    """For a serializer of rows with field rules (`policy.field_rule`): a field the reader may not see is
    answered as null, whether the row came from `policy.scope` or fresh from a service. The reader is the
    `actor` of the context, else the request's; with neither, every guarded field is hidden."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        actor = self.context.get("actor")
        if actor is None and self.context.get("request") is not None:
            actor = policy.current_actor(getattr(self.context["request"], "_request", self.context["request"]))
        for name in policy.hidden_fields(actor or policy.ANONYMOUS, instance):
            if name in data:
                data[name] = None
        return data


class PolicyViewSet(viewsets.GenericViewSet):
    """Base for every API viewset: rows come from `policy.scope(actor, model)`, lookups 404 alike."""

    model = None  # the model whose policy rule applies
    roles: tuple[str, ...] = ()  # roles allowed at all; empty: any member
    # Lists of people's content are read in one role at a time (`?as=employee|coach`, by default the
    # employee's own): a person who also coaches here does not get their coachees' items in their own list.
    lists_by_role = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object"):
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} overrides {name}; narrow rows in safely_filter_queryset")

    @property
    def actor(self) -> policy.Actor:
        return actor_of(self.request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.roles:
            try:
                policy.require(self.actor, *self.roles)
            except Http404:
                raise exceptions.NotFound(policy.NOT_FOUND) from None

    def dispatch(self, request, *args, **kwargs):
        # The answer's reads of other people's content are logged together, once the answer is made.
        with policy.reading():
            return super().dispatch(request, *args, **kwargs)

    @property
    def reader(self) -> policy.Actor:
        """Whom the rows are read for: the actor, or on a list by role the actor in that one role."""
        if self.lists_by_role and self.action == "list":
            return policy.lens(self.actor, self.request.query_params.get("as"))
        return self.actor

    def safely_filter_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return self.safely_filter_queryset(policy.scope(self.reader, self.model))

    def get_object(self):
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        queryset = self.filter_queryset(self.get_queryset())
        try:
            obj = policy.get_or_404(self.actor, self.model, queryset, **lookup)
        except Http404:
            raise exceptions.NotFound(policy.NOT_FOUND) from None
        self.check_object_permissions(self.request, obj)
        return obj


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


def issued_answer(issued: tokens.Issued) -> dict:
    return {**ApiTokenSerializer(issued.token).data, "token": issued.raw}


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, write_only=True)
    name = serializers.CharField(
        max_length=100, required=False, default="API token", help_text="What the token is for (default 'API token')."
    )
    expires_in_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        help_text="Days until the token stops working (at most API_TOKEN_MAX_DAYS); API_TOKEN_DEFAULT_DAYS when left out.",
    )
    read_only = serializers.BooleanField(required=False, default=False)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="For an account with two-factor sign-in: the current code from its app, or a recovery code.",
    )


class TokenThrottle(AnonRateThrottle):
    scope = "token"

    def get_ident(self, request) -> str:
        # The client behind the load balancer, as everywhere else (not DRF's own reading of the header).
        return client_address(request._request)


@extend_schema(
    summary="Get an API token",
    request=TokenRequestSerializer,
    responses={
        200: inline_serializer(
            "TokenResponse",
            {
                "token": serializers.CharField(),
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "prefix": serializers.CharField(),
                "read_only": serializers.BooleanField(),
                "created_at": serializers.DateTimeField(),
                "expires_at": serializers.DateTimeField(),
                "last_used_at": serializers.DateTimeField(allow_null=True),
            },
        ),
        400: refused(
            "Wrong email address or password, or the account has no access here; or the account signs in with two "
            "factors and `code` is missing or wrong, or it must set up two-factor sign-in first."
        ),
        429: refused(
            "Too many attempts (passwords or codes) for this account: try again after the seconds in the "
            "`Retry-After` header."
        ),
    },
    auth=[],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([TokenThrottle])
def token_obtain(request: Request) -> Response:
    """Exchange an email address and password for a new personal API token (named, expiring, optionally
    read-only), on an organisation host of a member. The token is in this answer only; it is listed, without
    itself, at /api/v1/auth/tokens/."""
    payload = TokenRequestSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    organisation = policy.current_actor(request._request).organisation
    user = authenticate(
        request._request, username=payload.validated_data["email"].lower(), password=payload.validated_data["password"]
    )
    if user is None or organisation is None or not policy.roles_of(user, organisation):
        return Response(
            {"detail": "Email address or password is wrong, or the account has no access here."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if not sso_selectors.password_allowed(user=user, organisation=organisation):
        return Response(
            {"detail": "This organisation signs its members in with single sign-on: a password makes no token here."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    refusal = _second_factor_refusal(user, payload.validated_data.get("code", ""))
    if refusal is not None:
        return refusal
    data = payload.validated_data
    issued = tokens.token_create(
        user=user,
        organisation=organisation,
        name=data["name"],
        expires_in_days=data.get("expires_in_days"),
        read_only=data["read_only"],
    )
    return Response(issued_answer(issued))


def _second_factor_refusal(user, code: str) -> Response | None:
    """A password alone never makes a token for an account that signs in with two factors (nor for one that
    must and has not set it up yet): the code step holds here as on every sign-in page."""
    if two_factor.enabled(user):
        if not code:
            return Response(
                {"detail": "This account uses two-factor sign-in: send the current code from its app as `code`."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            two_factor.verify(user=user, code=code)
        except two_factor.CodeRefused as refused:
            if refused.wait:
                return Response(
                    {"detail": refused.message},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(refused.wait)},
                )
            return Response({"detail": refused.message}, status=status.HTTP_400_BAD_REQUEST)
        return None
    if two_factor.required(user):
        return Response(
            {"detail": "This account must set up two-factor sign-in on the web before it can have an API token."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return None


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    language = serializers.CharField()
    organisation = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """Who am I, and which roles do I hold in this organisation."""
    actor = actor_of(request)
    user = actor.user
    return Response(
        MeSerializer(
            {
                "id": user.pk,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "language": user.language or actor.organisation.default_language,
                "organisation": actor.organisation.slug,
                "roles": sorted(actor.roles),
            }
        ).data
    )


class SchemaView(SpectacularAPIView):
    """/api/v1/schema/: the same schema whoever asks (the committed docs/api/openapi.yaml). Generated with
    the caller's request, views that choose their serializer by role would describe the caller's view."""

    def _get_schema_response(self, request):
        generator = self.generator_class(urlconf=self.urlconf, api_version=self.api_version, patterns=self.patterns)
        return Response(
            data=generator.get_schema(request=None, public=True),
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'},
        )


class PublicSchemaView(SchemaView):
    """/api/v1/schema/ on the public host: the schema of its API (the committed docs/api/openapi-public.yaml),
    for a signed-in browser or a person's token, as the public host's API itself."""

    urlconf = PUBLIC_URLCONF
    custom_settings = PUBLIC_SETTINGS
    authentication_classes = [PersonTokenAuthentication, SessionAuthentication]
