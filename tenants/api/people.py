"""The people API for HR: who holds which role here, ending a role, and invitations (create, resend,
cancel). The same services as the people page: an invitation to an address that already has an account
answers exactly as one to a new address (tenants.services.invitation_create)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from portal.api_schema import refused
from tenants import selectors, services, two_factor
from tenants.models import Invitation, Membership, Role


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "first_name", "last_name", "role", "is_active", "created_at"]
        read_only_fields = fields


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(
        summary="List the people with a role here",
        parameters=[
            OpenApiParameter("role", str, enum=list(Role.values), description="Only this role."),
            OpenApiParameter("q", str, description="Words to find in the email address or name."),
        ],
    ),
    retrieve=extend_schema(summary="Read one role of one person"),
)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """HR: everyone with a role in this organisation (one row per role), as on the people page."""

    model = Membership
    roles = (policy.HR_MANAGER,)
    serializer_class = MembershipSerializer

    def safely_filter_queryset(self, queryset):
        if self.action != "list":
            return queryset.select_related("user")
        role = self.request.query_params.get("role")
        search = self.request.query_params.get("q", "").strip()[:100]
        return selectors.people_list(actor=self.actor, role=role if role in policy.ROLES else None, search=search)

    @extend_schema(summary="End a person's role here", request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """HR: end this role (not your own HR manager role); the person keeps any other role."""
        membership = self.get_object()
        with service_errors():
            services.membership_revoke(membership=membership, acting_user=request.user)
        return Response(self.get_serializer(membership).data)

    @extend_schema(
        summary="Reset a person's two-factor sign-in",
        request=None,
        responses={
            200: MembershipSerializer,
            403: refused(
                "Not this person (`code`: `two_factor_reset_not_allowed`): a coach, someone who is also a member "
                "elsewhere, platform staff or yourself; the platform's support resets theirs."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="two-factor-reset")
    def two_factor_reset(self, request, pk=None):
        """HR: remove this person's authenticator app and recovery codes, as on the people page; they are
        emailed and set it up again at their next sign-in if they must."""
        membership = self.get_object()
        organisation = self.actor.organisation
        if not two_factor.reset_allowed(acting_user=request.user, organisation=organisation, user=membership.user):
            raise exceptions.PermissionDenied(
                {
                    "detail": "Ask the platform's support to reset two-factor sign-in for this person.",
                    "code": "two_factor_reset_not_allowed",
                }
            )
        two_factor.reset(acting_user=request.user, organisation=organisation, user=membership.user)
        return Response(self.get_serializer(membership).data)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "first_name", "last_name", "role", "status", "created_at", "expires_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(summary="List the open invitations"),
    retrieve=extend_schema(summary="Read one invitation"),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """HR: invitations nobody has answered yet (expired ones too, to send again). Nothing is said about
    whether an address has an account, here or elsewhere."""

    model = Invitation
    roles = (policy.HR_MANAGER,)
    serializer_class = InvitationSerializer

    def safely_filter_queryset(self, queryset):
        return selectors.invitations_pending(actor=self.actor)

    @extend_schema(
        summary="Invite someone to a role",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
    )
    def create(self, request, *args, **kwargs):
        """HR: email an invitation to a role here. An open invitation to the same address for the same role
        is renewed; an address that already holds the role is refused (400, on `email`)."""
        payload = InvitationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            invitation = services.invitation_create(
                organisation=self.actor.organisation, acting_user=request.user, **payload.validated_data
            )
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Send an invitation again", request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """HR: send a pending invitation again, valid for another seven days from now."""
        return self._change(services.invitation_resend)

    @extend_schema(summary="Cancel an invitation", request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """HR: withdraw a pending invitation; its link stops working at once."""
        return self._change(services.invitation_cancel)

    def _change(self, change) -> Response:
        invitation = self.get_object()
        with service_errors():
            changed = change(actor=self.actor, invitation=invitation)
        return Response(self.get_serializer(changed).data)
