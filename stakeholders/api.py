"""The stakeholder feedback API, through the same services and selectors as the pages.

The employee lists and opens rounds, invites raters (their coach too, with the employee's consent), reads
the results as group aggregates and releases them to their coach; the coach reads released results; HR
reads completion counts released by reports.disclosure. Raters answer on their page only (see
tests/test_api_coverage.py for why).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, actor_of, service_errors
from portal.idempotency import idempotent
from programmes.models import Enrolment
from stakeholders import selectors, services
from stakeholders.models import Rater, Round
from stakeholders.reports import completion


class RoundSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="enrolment.programme.name", read_only=True)
    invited = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)
    self_rated = serializers.SerializerMethodField()
    released = serializers.SerializerMethodField()
    results_ready = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "id",
            "enrolment",
            "employee",
            "programme",
            "moment",
            "closes_on",
            "coach_may_invite_at",
            "released_at",
            "invited",
            "answered",
            "self_rated",
            "released",
            "results_ready",
        ]
        read_only_fields = fields

    def get_self_rated(self, round) -> bool:
        return bool(getattr(round, "self_done", 0))

    def get_released(self, round) -> bool:
        return round.released_at is not None

    def get_results_ready(self, round) -> bool:
        return selectors.is_ready(round)


class RoundCreateSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    moment = serializers.ChoiceField(choices=Round.Moment.choices)
    closes_on = serializers.DateField()
    coach_may_invite = serializers.BooleanField(default=False)


class RaterInSerializer(serializers.Serializer):
    email = serializers.EmailField()
    relation = serializers.ChoiceField(
        choices=[c for c in Rater.Relation.choices if c[0] != Rater.Relation.SELF],
        help_text="manager, peer, report (direct report) or other",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")


class InviteSerializer(serializers.Serializer):
    raters = RaterInSerializer(many=True)


class RaterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rater
        fields = ["id", "relation", "name", "email", "invited_at"]
        read_only_fields = fields


class ConsentSerializer(serializers.Serializer):
    coach_may_invite = serializers.BooleanField()


class LineSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    groups = serializers.DictField(child=serializers.IntegerField(allow_null=True), help_text="group key → 0–100")
    self = serializers.IntegerField(allow_null=True)


class GroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="manager (named), peer, report or other")
    label = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="null for the named manager")


class CommentsSerializer(serializers.Serializer):
    question = serializers.CharField()
    group = serializers.CharField()
    texts = serializers.ListField(child=serializers.CharField())


class ResultsSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    ready = serializers.BooleanField(help_text="False until the round closed or everyone asked answered.")
    groups = GroupSerializer(many=True)
    withheld = serializers.BooleanField(help_text="Some answers not shown: their pool holds fewer than three.")
    dimensions = LineSerializer(many=True)
    comments = CommentsSerializer(many=True)
    change = serializers.ListField(child=serializers.DictField(), help_text="Per dimension, start and end.")


def results_data(actor: policy.Actor, round: Round) -> dict:
    results = selectors.results(actor=actor, round=round)
    changes = [
        c
        for c in selectors.change_for(actor=actor, employee_id=round.employee_id)
        if round.pk in (c.start.round.pk, c.end.round.pk)
    ]
    return ResultsSerializer(
        {
            "round": round.pk,
            "ready": results.ready,
            "groups": [{"key": g.key, "label": g.label, "size": None if g.named else g.size} for g in results.groups],
            "withheld": bool(results.withheld),
            "dimensions": [
                {
                    "key": line.key,
                    "name": line.name,
                    "groups": {g.key: line.shown(g.key) for g in results.groups},
                    "self": line.self_shown,
                }
                for line in results.lines
            ],
            "comments": [{"question": c.question, "group": c.group, "texts": c.texts} for c in results.comments],
            "change": [
                {
                    "dimension": line.name,
                    "start": line.start_shown,
                    "end": line.end_shown,
                    "self_start": line.self_start_shown,
                    "self_end": line.self_end_shown,
                }
                for change in changes
                for line in change.lines
            ],
        }
    ).data


class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Stakeholder feedback rounds: the employee's own, and their coachees' for a coach."""

    model = Round
    roles = (policy.EMPLOYEE, policy.COACH)
    serializer_class = RoundSerializer

    def safely_filter_queryset(self, queryset):
        return selectors.rounds_for(actor=self.actor).filter(pk__in=queryset.values("pk"))

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """The employee opens a round about themselves (start or end of one of their programmes)."""
        payload = RoundCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            enrolment = policy.get_or_404(self.actor, Enrolment, pk=data["enrolment"], employee_id=self.actor.user_id)
        except Http404:
            raise exceptions.ValidationError({"enrolment": ["Choose one of your own programmes."]}) from None
        with service_errors():
            round = services.round_create(
                actor=self.actor,
                enrolment=enrolment,
                moment=data["moment"],
                closes_on=data["closes_on"],
                coach_may_invite=data["coach_may_invite"],
            )
        return Response(RoundSerializer(selectors.round_for(actor=self.actor, pk=round.pk)).data, status=201)

    @extend_schema(request=InviteSerializer, responses={201: RaterSerializer(many=True)})
    @idempotent
    @action(detail=True, methods=["post"])
    def raters(self, request, pk=None):
        """Invite raters (3 to 12 in a round); each gets a personal link by email. The employee, or their
        coach once the employee consented."""
        round = self.get_object()
        payload = InviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = [services.RaterInput(**item) for item in payload.validated_data["raters"]]
        with service_errors():
            invited = services.raters_invite(actor=self.actor, round=round, raters=given)
        return Response(RaterSerializer(invited, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentSerializer, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        """The employee lets their coach invite raters for this round, or withdraws that."""
        round = self.get_object()
        payload = ConsentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.round_consent(actor=self.actor, round=round, **payload.validated_data)
        return Response(RoundSerializer(selectors.round_for(actor=self.actor, pk=round.pk)).data)

    @extend_schema(responses=ResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The results as aggregates per rater group, the self-rating beside; a coach once released."""
        round = self.get_object()
        if not selectors.may_see_results(self.actor, round):
            raise exceptions.NotFound(policy.NOT_FOUND)
        return Response(results_data(self.actor, round))

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """The employee releases the results to their coach."""
        round = self.get_object()
        with service_errors():
            services.round_release(actor=self.actor, round=round)
        return Response(RoundSerializer(selectors.round_for(actor=self.actor, pk=round.pk)).data)


class CompletionSerializer(serializers.Serializer):
    programme = serializers.CharField()
    moment = serializers.CharField()
    people = serializers.IntegerField()
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()


@extend_schema(responses=CompletionSerializer(many=True))
@api_view(["GET"])
def stakeholder_completion(request):
    """HR: how many people asked for stakeholder feedback and how many raters answered, per programme and
    moment, from released cells only (never a figure about fewer people than the threshold)."""
    actor = actor_of(request)
    try:
        policy.require(actor, policy.HR_MANAGER)
    except Http404:
        raise exceptions.NotFound(policy.NOT_FOUND) from None
    return Response(CompletionSerializer(completion(actor=actor).rows, many=True).data)
