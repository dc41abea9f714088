"""The API of the organisation's SCIM tokens (HR managers): list, make (shown once), revoke."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from scim import tokens
from scim.models import ScimToken
from tenants.tokens import NAME_MAX_LENGTH


class ScimTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScimToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class ScimTokenIssuedSerializer(ScimTokenSerializer):
    token = serializers.CharField(help_text="The SCIM token itself. Shown only in this answer: paste it now.")
    scim_url = serializers.CharField(help_text="The SCIM base URL of this organisation, for the HR system.")

    class Meta(ScimTokenSerializer.Meta):
        fields = [*ScimTokenSerializer.Meta.fields, "token", "scim_url"]
        read_only_fields = fields


class ScimTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text="Which HR system uses the token.")
    expires_in_days = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Days until the token stops working (at most API_TOKEN_MAX_DAYS, 365 unless configured); "
        "API_TOKEN_DEFAULT_DAYS (90) when left out.",
    )

    def validate_expires_in_days(self, value: int) -> int:
        if value > settings.API_TOKEN_MAX_DAYS:
            raise serializers.ValidationError(
                f"A token lives at most {settings.API_TOKEN_MAX_DAYS} days: choose a smaller number."
            )
        return value


class ScimTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The SCIM tokens of this organisation, with which its HR system provisions people at /scim/v2/.
    A token is never shown again after it is made; its `prefix` tells tokens apart."""

    model = ScimToken
    roles = (policy.HR_MANAGER,)
    serializer_class = ScimTokenSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.filter(revoked_at__isnull=True)

    def list(self, request, *args, **kwargs):
        """The organisation's SCIM tokens that are not revoked, newest first (expired ones too)."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One SCIM token (never the token itself)."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=ScimTokenCreateSerializer, responses={201: ScimTokenIssuedSerializer})
    def create(self, request, *args, **kwargs):
        """Make a SCIM token. The answer carries the token once; only its digest is kept."""
        payload = ScimTokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            issued = tokens.scim_token_create(
                organisation=self.actor.organisation, created_by=self.actor.user, **payload.validated_data
            )
        answer = {
            **ScimTokenSerializer(issued.token).data,
            "token": issued.raw,
            "scim_url": request.build_absolute_uri("/scim/v2"),
        }
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Revoked: it stops working at once.")})
    def destroy(self, request, *args, **kwargs):
        """Revoke a SCIM token: the HR system can no longer provision with it."""
        tokens.scim_token_revoke(
            organisation=self.actor.organisation, token=self.get_object(), acting_user=self.actor.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
