"""The API of one's own personal API tokens: list, make (shown once), revoke."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from portal.api import ApiTokenSerializer, PolicyViewSet, issued_answer, service_errors
from tenants import tokens
from tenants.models import ApiToken


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token itself. Shown only in this answer: store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=tokens.NAME_MAX_LENGTH, help_text="What the token is for.")
    expires_in_days = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Days until the token stops working (at most API_TOKEN_MAX_DAYS, 365 unless configured); "
        "API_TOKEN_DEFAULT_DAYS (90) when left out.",
    )
    read_only = serializers.BooleanField(
        required=False, default=False, help_text="A read-only token may only GET; anything else answers 403."
    )

    def validate_expires_in_days(self, value: int) -> int:
        if value > settings.API_TOKEN_MAX_DAYS:
            raise serializers.ValidationError(
                f"A token lives at most {settings.API_TOKEN_MAX_DAYS} days: choose a smaller number."
            )
        return value


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Your own API tokens (every organisation's host lists the same ones: a token belongs to its owner).
    The token itself is never shown again after it is made; its `prefix` tells tokens apart."""

    model = ApiToken
    serializer_class = ApiTokenSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.filter(revoked_at__isnull=True)

    def list(self, request, *args, **kwargs):
        """Your API tokens that are not revoked, newest first (expired ones too, with their `expires_at`)."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One of your API tokens (never the token itself)."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenIssuedSerializer})
    def create(self, request, *args, **kwargs):
        """Make a personal API token. The answer carries the token once; only its digest is kept."""
        payload = ApiTokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            issued = tokens.token_create(
                user=self.actor.user, organisation=self.actor.organisation, **payload.validated_data
            )
        return Response(issued_answer(issued), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Revoked: the token stops working at once.")},
    )
    def destroy(self, request, *args, **kwargs):
        """Revoke one of your API tokens (it may be the one making this request)."""
        tokens.token_revoke(user=self.actor.user, token=self.get_object(), organisation=self.actor.organisation)
        return Response(status=status.HTTP_204_NO_CONTENT)
