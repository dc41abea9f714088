"""The three-way agreement of an enrolment in the API: read it (versions, objectives, each party's
acceptance and who is awaited), write the objectives (employee and coach), accept it as a party, download
it as a PDF; and the people a manager sponsors. The same selectors and services as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from portal.idempotency import idempotent
from programmes.models import EnrolmentAgreement, PartyAcceptance, SponsoredEnrolment
from programmes.selectors import agreement as selectors
from programmes.services import enrolment_agreement as services

PARTIES = (policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE)


class AgreementPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


class AcceptanceSerializer(serializers.ModelSerializer):
    person = AgreementPersonSerializer(source="user")

    class Meta:
        model = PartyAcceptance
        fields = ["party", "person", "accepted_at"]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    proposed_by = AgreementPersonSerializer(allow_null=True)
    acceptances = AcceptanceSerializer(many=True)
    carried_over = serializers.BooleanField(
        help_text="Made from the employee's acceptance of the employee-only agreement; no objectives yet."
    )

    class Meta:
        model = EnrolmentAgreement
        fields = ["version", "objectives", "terms_version", "proposed_by", "proposed_at", "carried_over", "acceptances"]
        read_only_fields = fields

    terms_version = serializers.IntegerField(
        source="terms.version",
        allow_null=True,
        help_text="The organisation's text it includes; null: the standard text.",
    )


class PartySerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=PartyAcceptance.Party.choices)
    person = AgreementPersonSerializer(allow_null=True, help_text="Who accepts; null: HR as a whole, or no coach yet.")
    required = serializers.BooleanField(help_text="Whether the agreement is in force only with this acceptance.")
    accepted_at = serializers.DateTimeField(source="acceptance.accepted_at", allow_null=True, default=None)


class AgreementStateSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="enrolment.pk")
    sponsor_is_hr = serializers.BooleanField(source="sponsor.is_hr")
    manager_without_account = serializers.BooleanField(
        source="sponsor.manager_missing",
        help_text="The programme names the manager, but none is recorded or they have no account here: HR sponsors.",
    )
    in_force = serializers.BooleanField(help_text="Every party the programme asks for accepted the newest version.")
    booking_ready = serializers.BooleanField(help_text="The employee and the coach accepted: booking is open.")
    my_parties = serializers.ListField(child=serializers.CharField(), source="mine")
    parties = PartySerializer(many=True)
    versions = VersionSerializer(many=True, help_text="Newest first.")


class ObjectivesSerializer(serializers.Serializer):
    objectives = serializers.CharField(max_length=services.OBJECTIVES_MOST)


class AcceptSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read.")


class SponsoredSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="enrolment.pk")
    employee = AgreementPersonSerializer(source="enrolment.employee")
    programme = serializers.CharField(source="enrolment.programme.name")
    agreement = VersionSerializer(allow_null=True, help_text="The newest version (objectives and acceptances).")
    awaiting_me = serializers.BooleanField()
    attended = serializers.IntegerField()
    missed = serializers.IntegerField()
    coming = serializers.IntegerField()


def _state(viewset, pk) -> Response:
    actor = viewset.actor
    state = selectors.agreement_state(actor=actor, enrolment=selectors.agreement_enrolment(actor=actor, pk=pk))
    return Response(AgreementStateSerializer(state).data)


@extend_schema(tags=["agreement"])
class EnrolmentAgreementViewSet(PolicyViewSet):
    """The three-way agreement of one enrolment."""

    model = EnrolmentAgreement
    roles = PARTIES
    serializer_class = AgreementStateSerializer
    pagination_class = None

    @extend_schema(summary="Read an enrolment's agreement")
    def retrieve(self, request, pk=None):
        """Every version with its objectives and each party's acceptance (who, when), and who is awaited.
        The employee, their coach, HR and the sponsor read it; the sponsor reads nothing else of the coaching."""
        return _state(self, pk)

    @extend_schema(summary="Write the objectives (a new version)", request=ObjectivesSerializer)
    @idempotent
    def propose(self, request, pk=None):
        """The employee or the coach: a new version with these objectives, accepted by its writer; the other
        parties are emailed to accept it. The same objectives as the newest version are refused (400)."""
        payload = ObjectivesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.objectives_propose(
                actor=self.actor, enrolment_pk=pk, objectives=payload.validated_data["objectives"]
            )
        response = _state(self, pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(summary="Accept the agreement as a party", request=AcceptSerializer)
    @idempotent
    def accept(self, request, pk=None):
        """Accept the version you read, as the party you are (employee, coach or sponsor). A version that is
        no longer the newest, or one you accepted already, is refused (400)."""
        payload = AcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.agreement_party_accept(
                actor=self.actor, enrolment_pk=pk, version=payload.validated_data["version"]
            )
        response = _state(self, pk)
        response.status_code = status.HTTP_201_CREATED
        return response


@extend_schema(tags=["agreement"])
class SponsoredViewSet(PolicyViewSet):
    """The people whose coaching the signed-in manager sponsors."""

    model = SponsoredEnrolment
    roles = (policy.EMPLOYEE,)
    serializer_class = SponsoredSerializer
    pagination_class = None

    @extend_schema(summary="List the people I sponsor")
    def list(self, request):
        """Each with their programme, the newest agreement (objectives, acceptances) and attendance counts."""
        return Response(SponsoredSerializer(selectors.sponsored_people(actor=self.actor), many=True).data)
