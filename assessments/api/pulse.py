"""The pulse's API: the employee's own pulses (list, give one, share or take back), and the coach's page
per coachee as data. The same selectors and services as the pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api.journal import JournalPersonSerializer, _session_for
from assessments.models.journal import CheckIn
from assessments.models.pulse import Pulse
from assessments.selectors import coachee as coachee_selectors
from assessments.services import pulse as services
from portal import policy
from portal.api import PolicyViewSet, actor_of, service_errors
from portal.api_schema import refused
from portal.idempotency import IdempotentCreateMixin

SCALE = {"min_value": 1, "max_value": 5}


class PulseSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id", required=False, allow_null=True)
    check_in = serializers.IntegerField(source="check_in_id", required=False, allow_null=True)
    enrolment = serializers.IntegerField(source="enrolment_id", read_only=True)
    feeling = serializers.IntegerField(**SCALE)
    energy = serializers.IntegerField(**SCALE)
    confidence = serializers.IntegerField(**SCALE)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5_000)
    shared_with_coach = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = Pulse
        validators: list = []
        fields = [
            "id",
            "enrolment",
            "session",
            "check_in",
            "feeling",
            "energy",
            "confidence",
            "note",
            "shared_with_coach",
            "shared_at",
            "created_at",
        ]
        read_only_fields = ["id", "enrolment", "shared_at", "created_at"]


class SharingSerializer(serializers.Serializer):
    shared = serializers.BooleanField()


def _check_in_for(actor: policy.Actor, check_in_id):
    if check_in_id in (None, ""):
        return None
    try:
        return policy.get_or_404(actor, CheckIn, pk=int(check_in_id))
    except (Http404, TypeError, ValueError):
        raise exceptions.ValidationError({"check_in": ["Choose one of your own check-ins."]}) from None


class PulseViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, PolicyViewSet
):
    """My pulses: how I feel, my energy and confidence (1–5) and a note; private unless I share one with
    my coach. Coaches read shared pulses on the coachee page (`/api/v1/coachees/{id}/`)."""

    model = Pulse
    roles = (policy.EMPLOYEE,)
    serializer_class = PulseSerializer
    http_method_names = ["get", "post", "head", "options"]

    def safely_filter_queryset(self, queryset):
        return queryset.filter(employee_id=self.actor.user_id).order_by("-created_at", "-pk")

    def perform_create(self, serializer):
        data = serializer.validated_data
        actor = policy.lens(self.actor, policy.EMPLOYEE)
        with service_errors():
            serializer.instance = services.pulse_create(
                actor=actor,
                feeling=data["feeling"],
                energy=data["energy"],
                confidence=data["confidence"],
                note=data.get("note", ""),
                shared_with_coach=data.get("shared_with_coach", False),
                session=_session_for(actor, data.get("session_id")),
                check_in=_check_in_for(actor, data.get("check_in_id")),
            )

    @extend_schema(request=SharingSerializer, responses={200: PulseSerializer})
    @action(detail=True, methods=["post"], url_path="sharing", url_name="sharing")
    def sharing(self, request, pk=None):
        """Share this pulse with my coach (`shared: true`) or take it back (`false`)."""
        pulse = self.get_object()
        payload = SharingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.pulse_share(actor=self.actor, pulse=pulse, shared=payload.validated_data["shared"])
        return Response(PulseSerializer(pulse).data)


class CoacheeSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    status = serializers.CharField()
    attendance = serializers.SerializerMethodField()

    def get_attendance(self, session) -> str | None:
        row = getattr(session, "coachee_attendance", None)
        return row.status if row else None


class CoacheePulseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pulse
        fields = ["id", "feeling", "energy", "confidence", "note", "session", "created_at"]


class CoacheeGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    open_actions = serializers.IntegerField()
    overdue_actions = serializers.IntegerField()


class CoacheeReflectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    created_at = serializers.DateTimeField()
    shared_at = serializers.DateTimeField()
    reply_count = serializers.IntegerField()


class CoacheeNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    session = serializers.IntegerField(source="session_id")
    body = serializers.CharField()
    updated_at = serializers.DateTimeField()


class TrendWeekSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    count = serializers.IntegerField()
    feeling = serializers.FloatField(source="means.feeling")
    energy = serializers.FloatField(source="means.energy")
    confidence = serializers.FloatField(source="means.confidence")


class CoacheePageSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="enrolment.pk")
    employee = JournalPersonSerializer()
    programme = serializers.CharField(source="enrolment.programme.name")
    cohort = serializers.CharField(source="enrolment.cohort.name")
    status = serializers.CharField(source="enrolment.status")
    upcoming_sessions = CoacheeSessionSerializer(source="upcoming", many=True)
    past_sessions = CoacheeSessionSerializer(source="past", many=True)
    shared_reflections = CoacheeReflectionSerializer(source="reflections", many=True)
    goals = CoacheeGoalSerializer(many=True)
    shared_pulses = CoacheePulseSerializer(source="pulses", many=True)
    pulse_trend = TrendWeekSerializer(source="weeks", many=True)
    my_private_notes = CoacheeNoteSerializer(source="notes", many=True)


@extend_schema(
    responses={
        200: CoacheePageSerializer,
        404: refused("Only a coach of this enrolment sees it: anyone else is answered as for a missing page."),
    }
)
@api_view(["GET"])
def coachee_page(request: Request, pk: int) -> Response:
    """The coach's page of one coachee (an enrolment they coach): coming and past sessions with attendance,
    reflections shared with them (without text: each is read at /api/v1/reflections/{id}/), goals and
    progress, shared pulses with their weekly trend, and the coach's own private notes. Every item of the
    coachee's content read here is in the coachee's access log."""
    actor = actor_of(request)
    if not actor.is_coach:
        raise exceptions.NotFound(policy.NOT_FOUND)
    with policy.reading():
        page = coachee_selectors.coachee_page(actor=actor, pk=pk)
        return Response(CoacheePageSerializer(page).data)
