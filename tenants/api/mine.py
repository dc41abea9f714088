"""On the public host, a person's own view across organisations: where they hold which roles, and the
invitations to their address, to accept or decline. The same selectors and services as the landing page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import PolicyViewSet, service_errors
from portal.authentication import PersonTokenAuthentication
from tenants import selectors, services
from tenants.models import Invitation, Membership, Role


class MyOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organisation.pk")
    slug = serializers.CharField(source="organisation.slug")
    name = serializers.CharField(source="organisation.name")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), source="codes")


class MyInvitationSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    organisation_slug = serializers.CharField(source="organisation.slug", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "organisation", "organisation_slug", "role", "status", "created_at", "expires_at"]
        read_only_fields = fields


class _Mine(PolicyViewSet):
    authentication_classes = [PersonTokenAuthentication, SessionAuthentication]


@extend_schema(tags=["me"])
class MyOrganisationViewSet(mixins.ListModelMixin, _Mine):
    """The organisations where I hold a role (public host)."""

    model = Membership
    serializer_class = MyOrganisationSerializer
    pagination_class = None

    @extend_schema(summary="List my organisations and my roles there")
    def list(self, request, *args, **kwargs):
        return Response(self.get_serializer(selectors.my_organisations(user=self.actor.user), many=True).data)


@extend_schema(tags=["me"])
class MyInvitationViewSet(mixins.ListModelMixin, _Mine):
    """The open invitations to my address (public host)."""

    model = Invitation
    serializer_class = MyInvitationSerializer
    pagination_class = None

    def safely_filter_queryset(self, queryset):
        return selectors.my_invitations(actor=self.actor)

    @extend_schema(summary="List the open invitations to my address")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Accept an invitation", request=None)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """From now on you hold the role in that organisation."""
        invitation = self.get_object()
        with service_errors():
            services.invitation_accept(invitation=invitation, user=self.actor.user)
        invitation.refresh_from_db()
        return Response(self.get_serializer(invitation).data)

    @extend_schema(summary="Decline an invitation", request=None)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The organisation's HR sees the invitation end."""
        invitation = self.get_object()
        with service_errors():
            declined = services.invitation_decline(invitation=invitation, user=self.actor.user)
        return Response(self.get_serializer(declined).data)
