"""The sessions API: sessions (with cancel, move and attendance), 1:1 credits and urgent requests.

Rows come from the policy through PolicyViewSet; changes go through the same services as the pages.
A change the rules refuse (the slot was taken, no credit left, too late to move) answers 409 Conflict
with `{"detail": <what to do>, "code": <why>}`; acting on a session one may see but not change, 403.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyFieldsMixin, PolicyViewSet, service_errors
from portal.idempotency import idempotent
from portal.api_schema import refused
from programmes.availability.selectors import offered_slot
from programmes.availability.services import Meeting
from programmes.models import Attendance, Enrolment, Session, UrgentRequest
from programmes.selectors import credits as credit_selectors
from programmes.selectors import sessions as selectors
from programmes.services import attendance as attendance_services
from programmes.services import sessions as services
from programmes.services import urgent as urgent_services

REFUSED = refused()


class SessionPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


class CohortRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class SessionSerializer(PolicyFieldsMixin, serializers.ModelSerializer):
    """A session; its join details are null for a reader the policy does not let join (HR and a 1:1)."""

    ends_at = serializers.DateTimeField(read_only=True)
    location = serializers.CharField(read_only=True, allow_null=True, allow_blank=True)
    video_url = serializers.URLField(read_only=True, allow_null=True, allow_blank=True)
    dial_in = serializers.CharField(read_only=True, allow_null=True, allow_blank=True)
    coach = SessionPersonSerializer(read_only=True)
    cohort = CohortRefSerializer(read_only=True, allow_null=True)
    employee = SessionPersonSerializer(source="enrolment.employee", read_only=True, allow_null=True, default=None)
    enrolment = serializers.IntegerField(source="enrolment_id", read_only=True, allow_null=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "mode",
            "location",
            "video_url",
            "dial_in",
            "status",
            "coach",
            "cohort",
            "enrolment",
            "employee",
            "late_cancellation",
            "cancelled_at",
            "created_at",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=Session.Mode.choices, default=Session.Mode.VIDEO)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    video_url = serializers.URLField(required=False, allow_blank=True, default="")
    dial_in = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def meeting(self) -> Meeting:
        data = self.validated_data
        return Meeting(
            mode=data["mode"], location=data["location"], video_url=data["video_url"], dial_in=data["dial_in"]
        )


class SessionCreateSerializer(MeetingSerializer):
    kind = serializers.ChoiceField(choices=Session.Kind.choices)
    enrolment = serializers.IntegerField(
        required=False, allow_null=True, help_text="For a 1:1: the enrolment of someone you coach."
    )
    cohort = serializers.IntegerField(
        required=False, allow_null=True, help_text="For a group session: a cohort you coach."
    )
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(default=60)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, data):
        actor = self.context["actor"]
        data["enrolment"] = self._pick(
            selectors.coached_enrolments(actor=actor),
            data.get("enrolment"),
            "enrolment",
            _("Choose the enrolment of someone you coach."),
        )
        data["cohort"] = self._pick(
            selectors.coached_cohorts(actor=actor), data.get("cohort"), "cohort", _("Choose a cohort you coach.")
        )
        return data

    @staticmethod
    def _pick(queryset, pk, field: str, message: str):
        if pk is None:
            return None
        found = queryset.filter(pk=pk).first()
        if found is None:
            raise serializers.ValidationError({field: [message]})
        return found


class MoveSerializer(MeetingSerializer):
    slot = serializers.IntegerField(
        required=False, help_text="An employee moves their 1:1 to another free slot of their coach."
    )
    # Leaving `mode` out keeps how the session takes place (all HR may do with a 1:1).
    mode = serializers.ChoiceField(
        choices=Session.Mode.choices,
        required=False,
        help_text="How it takes place from now on; leave out to keep it as it is.",
    )
    starts_at = serializers.DateTimeField(required=False, help_text="The coach or HR: any new start.")
    duration_minutes = serializers.IntegerField(required=False)

    def validate(self, data):
        if data.get("slot") is None and data.get("starts_at") is None:
            raise serializers.ValidationError({"detail": [_("Give either a slot or a new start time.")]})
        return data

    def meeting(self) -> Meeting | None:
        return super().meeting() if "mode" in self.validated_data else None


class AttendanceRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    marked_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_name(self, row) -> str:
        return row.user.get_full_name() or row.user.email


# The attendance a coach may mark (not "expected"); named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
MARK_CHOICES = [(value, label) for value, label in Attendance.Status.choices if value in attendance_services.MARKS]


class MarkSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MARK_CHOICES)


class MarksSerializer(serializers.Serializer):
    marks = MarkSerializer(many=True, allow_empty=False)


class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Sessions the caller may see. `?when=upcoming|past`, `?kind=group|individual`."""

    model = Session
    serializer_class = SessionSerializer

    def safely_filter_queryset(self, queryset):
        queryset = selectors.with_ends(queryset).select_related("coach", "cohort", "enrolment__employee")
        kind = self.request.query_params.get("kind")
        if kind in Session.Kind.values:
            queryset = queryset.filter(kind=kind)
        when = self.request.query_params.get("when") if self.action == "list" else None
        now = timezone.now()
        if when == "upcoming":
            return queryset.filter(status=Session.Status.SCHEDULED, ends__gt=now).order_by("starts_at", "pk")
        if when == "past":
            return queryset.filter(Q(starts_at__lte=now) | Q(status=Session.Status.CANCELLED)).order_by(
                "-starts_at", "-pk"
            )
        return queryset.order_by("starts_at", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("when", enum=["upcoming", "past"], required=False),
            OpenApiParameter("kind", enum=Session.Kind.values, required=False),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer, 409: REFUSED})
    @idempotent
    def create(self, request, *args, **kwargs):
        """A coach schedules a group session or a 1:1 directly (a 1:1 spends one of the employee's credits)."""
        if not self.actor.is_coach:
            raise exceptions.NotFound(policy.NOT_FOUND)
        payload = SessionCreateSerializer(data=request.data, context={"actor": self.actor})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with service_errors(services.SessionRefused):
            session = services.session_schedule(
                actor=self.actor,
                kind=data["kind"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                meeting=payload.meeting(),
                enrolment=data["enrolment"],
                cohort=data["cohort"],
                title=data["title"],
            )
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SessionSerializer, 403: REFUSED, 409: REFUSED})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel: the employee's own 1:1 (credit back when at least the notice period ahead), or any session
        for its coach and HR (a 1:1's credit always comes back)."""
        with service_errors(services.SessionRefused):
            session = services.session_cancel(actor=self.actor, session=self.get_object())
        return Response(self.get_serializer(session).data)

    @extend_schema(request=MoveSerializer, responses={200: SessionSerializer, 403: REFUSED, 409: REFUSED})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move a session: an employee to another free slot of their coach (before the notice period),
        the coach or HR to any time the coach is free, optionally changing how it takes place."""
        session = self.get_object()
        payload = MoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with service_errors(services.SessionRefused):
            if data.get("slot") is not None:
                try:
                    slot = offered_slot(actor=self.actor, pk=data["slot"])
                except Http404:
                    raise exceptions.ValidationError({"slot": [_("Choose one of your coach's free times.")]}) from None
                session = services.session_move_to_slot(actor=self.actor, session=session, slot=slot)
            else:
                session = services.session_move(
                    actor=self.actor,
                    session=session,
                    starts_at=data["starts_at"],
                    duration_minutes=data.get("duration_minutes", session.duration_minutes),
                    meeting=payload.meeting(),
                )
        return Response(self.get_serializer(session).data)

    @extend_schema(methods=["GET"], request=None, responses={200: AttendanceRowSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=MarksSerializer,
        responses={200: AttendanceRowSerializer(many=True), 403: REFUSED, 409: REFUSED},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # one session's sheet, whole
    def attendance(self, request, pk=None):
        """Who was there. The coach records present, absent or excused once the session has started."""
        session = self.get_object()
        if request.method == "POST":
            payload = MarksSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            marks = {mark["user"]: mark["status"] for mark in payload.validated_data["marks"]}
            with service_errors(services.SessionRefused):
                attendance_services.attendance_mark(actor=self.actor, session=session, marks=marks)
        if self.actor.is_hr or services.coaches_session(self.actor, session):
            rows = selectors.attendance_sheet(actor=self.actor, session=session)
        else:
            rows = list(policy.scope(self.actor, Attendance).filter(session=session).select_related("user"))
        return Response(AttendanceRowSerializer(rows, many=True).data)


# --- credits ----------------------------------------------------------------------------------------


class CreditSerializer(serializers.ModelSerializer):
    employee = SessionPersonSerializer(read_only=True)
    programme = serializers.CharField(source="programme.name", read_only=True)
    credits_used = serializers.IntegerField(read_only=True)
    credits_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "employee", "programme", "status", "credit_allowance", "credits_used", "credits_left"]
        read_only_fields = fields


class CreditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """1:1 credits per enrolment: the employee's own, a coach's coachees', everyone's for HR. The id is
    the enrolment's."""

    model = Enrolment
    serializer_class = CreditSerializer

    def safely_filter_queryset(self, queryset):
        return credit_selectors.with_credits(queryset.select_related("employee", "programme")).order_by(
            "employee__last_name", "employee__first_name", "pk"
        )


# --- urgent requests --------------------------------------------------------------------------------


class UrgentRequestSerializer(serializers.ModelSerializer):
    employee = SessionPersonSerializer(read_only=True)
    coach = SessionPersonSerializer(read_only=True)
    message = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=urgent_services.MESSAGE_MAX_LENGTH
    )

    class Meta:
        model = UrgentRequest
        fields = ["id", "employee", "coach", "message", "created_at", "acknowledged_at"]
        read_only_fields = ["id", "employee", "coach", "created_at", "acknowledged_at"]


class UrgentRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PolicyViewSet):
    """An employee asks their coach for an urgent conversation; the coach sees theirs and says "seen"."""

    model = UrgentRequest
    roles = (policy.EMPLOYEE, policy.COACH)
    serializer_class = UrgentRequestSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.select_related("employee", "coach")

    @idempotent
    def create(self, request, *args, **kwargs):
        if not self.actor.is_employee:
            raise exceptions.NotFound(policy.NOT_FOUND)
        payload = UrgentRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors(services.SessionRefused):
            urgent = urgent_services.urgent_request_create(actor=self.actor, message=payload.validated_data["message"])
        return Response(UrgentRequestSerializer(urgent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: UrgentRequestSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The coach has seen the request and will get in touch (the employee is told)."""
        with service_errors(services.SessionRefused):
            urgent = urgent_services.urgent_request_acknowledge(actor=self.actor, request=self.get_object())
        return Response(UrgentRequestSerializer(urgent).data)
