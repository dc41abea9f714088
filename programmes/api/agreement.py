"""The coaching agreement API: everyone here reads the version in force, employees accept it, HR reads
every version with how many accepted it and publishes a new one. The same services as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from programmes.models import Agreement
from programmes.selectors import enrolment as selectors
from programmes.services import agreement as services


class ReachSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="People holding a seat (invited or active).")
    accepted = serializers.IntegerField(help_text="Of those, how many accepted the version in force.")


class AgreementInForceSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="0: the default text, before HR published a version.")
    body = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    accepted_version = serializers.IntegerField(
        allow_null=True, help_text="Employees: the last version you accepted (null: none); null for others."
    )
    accepted_current = serializers.BooleanField(allow_null=True, help_text="Employees: whether you accepted this one.")
    reach = ReachSerializer(allow_null=True, help_text="HR only: how far the version in force has been accepted.")


class AgreementAcceptSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="The version you read (0: the default text).")


class AgreementAcceptedSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="agreement.version")
    accepted_at = serializers.DateTimeField()


class AgreementVersionSerializer(serializers.ModelSerializer):
    accepted = serializers.IntegerField(read_only=True, help_text="How many people accepted this version.")
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = ["id", "version", "body", "created_at", "created_by", "accepted"]
        read_only_fields = fields


class AgreementPublishSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="The whole text of the new version.")


@extend_schema(tags=["agreement"])
class AgreementViewSet(PolicyViewSet):
    """The coaching agreement of this organisation."""

    model = Agreement
    roles = (policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE)
    serializer_class = AgreementInForceSerializer
    pagination_class = None

    @extend_schema(summary="Read the coaching agreement in force")
    def retrieve(self, request, *args, **kwargs):
        actor = self.actor
        body, version, current = services.agreement_in_force(actor=actor)
        acceptance = selectors.my_acceptance(actor=actor) if actor.is_employee else None
        data = {
            "version": version,
            "body": body,
            "published_at": current.created_at if current else None,
            "accepted_version": acceptance.agreement.version if acceptance else None,
            "accepted_current": (
                acceptance is not None and current is not None and acceptance.agreement_id == current.pk
            )
            if actor.is_employee
            else None,
            "reach": selectors.agreement_reach(actor=actor) if actor.is_hr else None,
        }
        return Response(AgreementInForceSerializer(data).data)


@extend_schema(tags=["agreement"])
class AgreementAcceptViewSet(PolicyViewSet):
    model = Agreement
    roles = (policy.EMPLOYEE,)
    serializer_class = AgreementAcceptedSerializer

    @extend_schema(
        summary="Accept the coaching agreement",
        request=AgreementAcceptSerializer,
        responses={201: AgreementAcceptedSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Employees: accept the version you read (an invited enrolment becomes active). A version that is no
        longer in force is refused (400): read the new one."""
        payload = AgreementAcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            acceptance = services.agreement_accept(actor=self.actor, version=payload.validated_data["version"])
        return Response(AgreementAcceptedSerializer(acceptance).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["agreement"])
class AgreementVersionViewSet(PolicyViewSet):
    model = Agreement
    roles = (policy.HR_MANAGER,)
    serializer_class = AgreementVersionSerializer
    pagination_class = None

    @extend_schema(summary="List every version of the agreement")
    def list(self, request, *args, **kwargs):
        """HR: every published version, newest first, with how many people accepted each."""
        return Response(self.get_serializer(selectors.agreement_versions(actor=self.actor), many=True).data)

    @extend_schema(
        summary="Publish a new version of the agreement",
        request=AgreementPublishSerializer,
        responses={201: AgreementVersionSerializer},
    )
    def create(self, request, *args, **kwargs):
        """HR: everyone accepts the new version again before their next booking. The same text as the
        version in force is refused (400, on `body`)."""
        payload = AgreementPublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            published = services.agreement_publish(actor=self.actor, body=payload.validated_data["body"])
        published.accepted = 0
        return Response(self.get_serializer(published).data, status=status.HTTP_201_CREATED)
