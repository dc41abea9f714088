"""The API of the organisation's identity providers (HR managers): list, add, read, change, remove. The
client secret is write-only: stored encrypted, never in an answer (`has_client_secret` says whether one is)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from sso import services
from sso.models import IdentityProvider
from sso.views import oidc_redirect_uri


class IdentityProviderSerializer(serializers.ModelSerializer):
    client_secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="OpenID Connect: the client secret. Stored encrypted and never returned; leave it out on a "
        "change to keep the stored one.",
    )
    has_client_secret = serializers.BooleanField(read_only=True, help_text="Whether a client secret is stored.")
    redirect_uri = serializers.SerializerMethodField(
        help_text="OpenID Connect: the redirect URI to register at the provider."
    )
    attribute_map = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Where the provider sends each detail, where it differs from the defaults of its kind. Keys: "
        "email, email_verified, given_name, family_name, department, job_title, manager_email, employee_number.",
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "id",
            "name",
            "kind",
            "protocol",
            "enabled",
            "attribute_map",
            "discovery_url",
            "client_id",
            "client_secret",
            "has_client_secret",
            "saml_metadata_xml",
            "saml_metadata_url",
            "saml_entity_id",
            "redirect_uri",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "has_client_secret", "saml_entity_id", "redirect_uri", "created_at", "updated_at"]
        # The service checks the values (and says what is wrong beside each field).
        extra_kwargs = {"discovery_url": {"validators": []}, "saml_metadata_url": {"validators": []}}

    def get_redirect_uri(self, provider: IdentityProvider) -> str:
        return oidc_redirect_uri(provider.organisation, self.context.get("request"))


class IdentityProviderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PolicyViewSet,
):
    """The identity providers this organisation's people sign in with (docs/SSO.md)."""

    model = IdentityProvider
    roles = (policy.HR_MANAGER,)
    serializer_class = IdentityProviderSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.select_related("organisation").order_by("name", "pk")

    def list(self, request, *args, **kwargs):
        """The organisation's identity providers, by name."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One identity provider (never its client secret)."""
        return super().retrieve(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        """Add an identity provider."""
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            provider = services.identity_provider_create(
                organisation=self.actor.organisation, acting_user=self.actor.user, **payload.validated_data
            )
        return Response(self.get_serializer(provider).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """Change an identity provider (PATCH: only the fields sent)."""
        provider = self.get_object()
        payload = self.get_serializer(provider, data=request.data, partial=kwargs.get("partial", False))
        payload.is_valid(raise_exception=True)
        with service_errors():
            provider = services.identity_provider_update(
                provider=provider, acting_user=self.actor.user, **payload.validated_data
            )
        return Response(self.get_serializer(provider).data)

    def partial_update(self, request, *args, **kwargs):
        """Change some fields of an identity provider."""
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: OpenApiResponse(description="Removed, with the identities linked through it.")})
    def destroy(self, request, *args, **kwargs):
        """Remove an identity provider; the people it signed in keep their accounts and roles."""
        services.identity_provider_delete(provider=self.get_object(), acting_user=self.actor.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
