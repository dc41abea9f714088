"""The matching API: HR's pool (with each coach's room as numbers) and the programme's setting, a coach's
answer to a pool invitation, and an employee's intake, suggestions (with the reasons in English and
Dutch), chemistry calls, choice and rematch. The same services as the pages."""

from __future__ import annotations

from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from coaches.models import CoachProfile, Language, Mode, Specialism
from matching import selectors, services
from matching.models import Intake, PoolMember, ProgrammeMatching, Suggestion, TimeOfDay
from matching.ranking import WEEKS_AHEAD, reasons_text
from portal import policy
from portal.api import PolicyViewSet, service_errors
from portal.idempotency import idempotent
from programmes.api.availability import SlotSerializer
from programmes.api.sessions import REFUSED, SessionPersonSerializer, SessionSerializer
from programmes.availability.selectors import free_slots
from programmes.models import Enrolment, Programme
from programmes.services.sessions import SessionRefused
from tenants.models import User


class RoomSerializer(serializers.Serializer):
    capacity = serializers.IntegerField()
    used = serializers.IntegerField(help_text="Active coachees in total, across every organisation (a number only).")
    left = serializers.IntegerField()


class PoolMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="member.pk")
    coach = SessionPersonSerializer()
    programme = serializers.IntegerField(
        source="member.programme_id", allow_null=True, help_text="null: every programme."
    )
    status = serializers.ChoiceField(source="member.status", choices=PoolMember.Status.choices)
    invited_at = serializers.DateTimeField(source="member.invited_at")
    answered_at = serializers.DateTimeField(source="member.answered_at", allow_null=True)
    room = RoomSerializer(allow_null=True, help_text="HR only.")


class PoolInviteSerializer(serializers.Serializer):
    coach = serializers.IntegerField(help_text="The id of one of the organisation's coaches.")
    programme = serializers.IntegerField(required=False, allow_null=True, help_text="Omit for every programme.")


class PoolAnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField()


class ProgrammeMatchingSerializer(serializers.Serializer):
    how = serializers.ChoiceField(choices=ProgrammeMatching.How.choices)


class ProfileSerializer(serializers.ModelSerializer):
    photo = serializers.SerializerMethodField()

    class Meta:
        model = CoachProfile
        fields = [
            "photo",
            "biography_en",
            "biography_nl",
            "languages",
            "specialisms",
            "modes",
            "city",
            "accreditation",
            "accreditation_number",
            "time_zone",
        ]
        read_only_fields = fields

    def get_photo(self, profile) -> bool:
        """Whether there is a photo (on the pages at pool/coaches/<coach id>/photo)."""
        return bool(profile.photo)


def _both(reasons: list) -> dict:
    words = {}
    for language in ("en", "nl"):
        with translation.override(language):
            words[language] = reasons_text(reasons)
    return words


class ReasonsSerializer(serializers.Serializer):
    en = serializers.ListField(child=serializers.CharField())
    nl = serializers.ListField(child=serializers.CharField())


class SuggestionSerializer(serializers.ModelSerializer):
    coach = SessionPersonSerializer(source="coach_person")
    profile = ProfileSerializer(allow_null=True)
    reasons = serializers.SerializerMethodField()
    free_slots = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = ["id", "rank", "score", "coach", "profile", "reasons", "free_slots"]

    @extend_schema_field(SlotSerializer(many=True))
    def get_free_slots(self, suggestion) -> list:
        """The coach's free times here in the next two weeks: book a chemistry call in one of them."""
        actor = self.context["actor"]
        slots = free_slots(actor=actor, coach_id=suggestion.coach_id, weeks=WEEKS_AHEAD)
        return SlotSerializer(slots, many=True, context={"organisation": actor.organisation}).data

    @extend_schema_field(ReasonsSerializer)
    def get_reasons(self, suggestion) -> dict:
        return _both(suggestion.reasons)


class IntakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intake
        fields = ["id", "focus", "language", "mode", "city", "times", "created_at"]
        read_only_fields = fields


class IntakeInputSerializer(serializers.Serializer):
    focus = serializers.ListField(child=serializers.ChoiceField(choices=Specialism.choices), allow_empty=False)
    language = serializers.ChoiceField(choices=Language.choices)
    mode = serializers.ChoiceField(choices=Mode.choices)
    city = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    times = serializers.ListField(child=serializers.ChoiceField(choices=TimeOfDay.choices), allow_empty=False)


class ChoiceSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    programme = serializers.IntegerField()
    coach = SessionPersonSerializer(allow_null=True)
    rematch_used = serializers.BooleanField()
    intake = IntakeSerializer(allow_null=True)
    suggestions = SuggestionSerializer(many=True)


class ChemistrySerializer(serializers.Serializer):
    slot = serializers.IntegerField(help_text="One of the suggestion's `free_slots`.")


class RematchSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Only you can read it.")


class RematchDoneSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="enrolment_id")
    created_at = serializers.DateTimeField()
    sessions_cancelled = serializers.IntegerField(
        source="cancelled.sessions", help_text="Your coming 1:1s with the former coach, now cancelled."
    )
    credits_returned = serializers.IntegerField(
        source="cancelled.credits", help_text="The session credits given back for them."
    )


def _no_such(call):
    try:
        return call()
    except Http404:
        raise exceptions.NotFound(policy.NOT_FOUND) from None


@extend_schema(tags=["matching"])
class PoolViewSet(PolicyViewSet):
    """The organisation's coach pool."""

    model = PoolMember
    roles = (policy.HR_MANAGER, policy.COACH)
    serializer_class = PoolMemberSerializer
    pagination_class = None

    @extend_schema(summary="List the pool")
    def list(self, request, *args, **kwargs):
        """HR: every place, with each coach's room (capacity, used, left; counted across organisations,
        never naming them). A coach: their own places."""
        return Response(PoolMemberSerializer(selectors.pool(actor=self.actor), many=True).data)

    @extend_schema(
        summary="Ask a coach into the pool", request=PoolInviteSerializer, responses={201: PoolMemberSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """HR: one of the organisation's coaches; they appear to employees once they accept."""
        if not self.actor.is_hr:
            raise exceptions.NotFound(policy.NOT_FOUND)
        payload = PoolInviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        programme_id = payload.validated_data.get("programme")
        with service_errors():
            programme = policy.get_or_404(self.actor, Programme, pk=programme_id) if programme_id is not None else None
            member = services.pool_invite(
                actor=self.actor, coach_id=payload.validated_data["coach"], programme=programme
            )
        row = selectors.PoolRow(member, member_coach(member), selectors.rooms([member.coach_id])[member.coach_id])
        return Response(PoolMemberSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept or decline a place in the pool",
        request=PoolAnswerSerializer,
        responses={200: PoolMemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """A coach: your own yes or no to this organisation's pool."""
        payload = PoolAnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = _no_such(
            lambda: policy.get_or_404(
                policy.lens(self.actor, policy.COACH), PoolMember, coach_id=self.actor.user_id, pk=pk
            )
        )
        with service_errors():
            member = services.pool_answer(actor=self.actor, member=member, accept=payload.validated_data["accept"])
        return Response(PoolMemberSerializer(selectors.PoolRow(member, member_coach(member), None)).data)

    @extend_schema(summary="Take a coach out of the pool", responses={204: None})
    def destroy(self, request, pk=None):
        if not self.actor.is_hr:
            raise exceptions.NotFound(policy.NOT_FOUND)
        member = self.get_object()
        services.pool_remove(actor=self.actor, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


def member_coach(member: PoolMember) -> User:
    return User.objects.get(pk=member.coach_id)


@extend_schema(tags=["matching"])
class ProgrammeMatchingViewSet(PolicyViewSet):
    """How a programme's employees come to their coach."""

    model = Programme
    roles = (policy.HR_MANAGER,)
    serializer_class = ProgrammeMatchingSerializer
    pagination_class = None

    @extend_schema(summary="Read how coaches are matched")
    def retrieve(self, request, pk=None):
        return Response({"how": selectors.matching_of(self.get_object())})

    @extend_schema(summary="Set how coaches are matched", request=ProgrammeMatchingSerializer)
    def update(self, request, pk=None):
        programme = self.get_object()
        payload = ProgrammeMatchingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            row = services.matching_set(actor=self.actor, programme=programme, how=payload.validated_data["how"])
        return Response({"how": row.how})


def _choice(enrolment: Enrolment) -> dict:
    intake = selectors.open_intake(enrolment)
    return {
        "enrolment": enrolment.pk,
        "programme": enrolment.programme_id,
        "coach": enrolment.coach if enrolment.coach_id else None,
        "rematch_used": selectors.rematch_of(enrolment) is not None,
        "intake": intake,
        "suggestions": selectors.suggestions_of(intake),
    }


@extend_schema(tags=["matching"])
class ChoiceViewSet(PolicyViewSet):
    """An employee choosing their coach in a programme where employees choose (per enrolment)."""

    model = Enrolment
    roles = (policy.EMPLOYEE,)
    serializer_class = ChoiceSerializer
    pagination_class = None

    def _enrolment(self, pk) -> Enrolment:
        enrolment = _no_such(lambda: selectors.choosing_enrolment(actor=self.actor, pk=pk))
        if not selectors.employees_choose(enrolment.programme):
            raise exceptions.NotFound(policy.NOT_FOUND)
        return enrolment

    @extend_schema(summary="Read your intake and suggestions")
    def retrieve(self, request, pk=None):
        """Your open intake and up to three suggested coaches, best first, each with its score and reasons
        in English and Dutch."""
        return Response(ChoiceSerializer(_choice(self._enrolment(pk)), context={"actor": self.actor}).data)

    @extend_schema(
        summary="Give your intake and get suggestions",
        request=IntakeInputSerializer,
        responses={201: ChoiceSerializer, 409: REFUSED},
    )
    @idempotent
    @action(detail=True, methods=["post"])
    def intake(self, request, pk=None):
        enrolment = self._enrolment(pk)
        payload = IntakeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors(SessionRefused):
            services.intake_submit(actor=self.actor, enrolment=enrolment, **payload.validated_data)
        enrolment.refresh_from_db()
        return Response(
            ChoiceSerializer(_choice(enrolment), context={"actor": self.actor}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Change coach (once per programme)",
        request=RematchSerializer,
        responses={201: RematchDoneSerializer, 409: REFUSED},
    )
    @idempotent
    @action(detail=True, methods=["post"])
    def rematch(self, request, pk=None):
        """Leave your coach without asking anyone: from now on they no longer see what you share. Your
        coming 1:1s with them are cancelled and their credits given back, whatever the notice period (the
        answer says how many). Then give a new intake for new suggestions. The reason is yours alone."""
        enrolment = _no_such(lambda: selectors.choosing_enrolment(actor=self.actor, pk=pk))
        payload = RematchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors(SessionRefused):
            done = services.rematch_start(actor=self.actor, enrolment=enrolment, **payload.validated_data)
        return Response(RematchDoneSerializer(done).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["matching"])
class SuggestionViewSet(PolicyViewSet):
    """One suggested coach: book a chemistry call with them, or choose them."""

    model = Suggestion
    roles = (policy.EMPLOYEE,)
    serializer_class = SuggestionSerializer
    pagination_class = None

    @extend_schema(
        summary="Choose this coach", request=None, responses={200: ChoiceSerializer, 403: REFUSED, 409: REFUSED}
    )
    @action(detail=True, methods=["post"])
    def choose(self, request, pk=None):
        """Refused (409 `coach_full`) when the coach has just become full: capacity is never exceeded."""
        suggestion = _no_such(lambda: services.suggestion_for(actor=self.actor, pk=pk))
        with service_errors(SessionRefused):
            enrolment = services.coach_choose(actor=self.actor, suggestion=suggestion)
        return Response(ChoiceSerializer(_choice(enrolment), context={"actor": self.actor}).data)

    @extend_schema(
        summary="Book a chemistry call",
        request=ChemistrySerializer,
        responses={201: SessionSerializer, 403: REFUSED, 409: REFUSED},
    )
    @idempotent
    @action(detail=True, methods=["post"])
    def chemistry(self, request, pk=None):
        """20 minutes with this coach, no credit spent, in one of their free slots."""
        suggestion = _no_such(lambda: services.suggestion_for(actor=self.actor, pk=pk))
        payload = ChemistrySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors(SessionRefused):
            session = services.chemistry_book(
                actor=self.actor, suggestion=suggestion, slot_id=payload.validated_data["slot"]
            )
        return Response(SessionSerializer(session, context={"actor": self.actor}).data, status=status.HTTP_201_CREATED)
