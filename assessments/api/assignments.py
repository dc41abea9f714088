"""The assessments API: my assessments, answering them (each PUT saves what it names), submitting, results.

Every route answers only for the caller's own assessments: the list is "mine", and an id of anyone
else's (a coachee's included) is the ordinary 404. Writes go through the same services as the pages.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import scoring
from assessments.models import Answer, Assignment, Band, Score
from assessments.selectors import results as selectors
from assessments.selectors.instruments import version_questions
from assessments.services import assignments as services
from portal import policy
from portal.api import PolicyViewSet, service_errors
from portal.api_schema import refused
from programmes.models import LIVE_ENROLMENT


def assignment_status(assignment: Assignment, today=None) -> str:
    today = today or timezone.localdate()
    if assignment.submitted_at is not None:
        return "submitted"
    if assignment.phase_assessment.opens_on > today:
        return "not_open"
    if assignment.started_at is not None:
        return "in_progress"
    return "open"


class AssignmentSerializer(serializers.ModelSerializer):
    instrument = serializers.SerializerMethodField()
    programme = serializers.CharField(source="phase_assessment.programme.name")
    moment = serializers.CharField(source="phase_assessment.moment")
    opens_on = serializers.DateField(source="phase_assessment.opens_on")
    due_on = serializers.DateField(source="phase_assessment.due_on")
    status = serializers.SerializerMethodField()
    answered = serializers.IntegerField()
    questions = serializers.IntegerField(source="question_total")
    results_available = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "instrument",
            "programme",
            "moment",
            "opens_on",
            "due_on",
            "status",
            "answered",
            "questions",
            "started_at",
            "last_saved_at",
            "submitted_at",
            "results_available",
        ]

    def get_instrument(self, assignment) -> dict:
        version = assignment.version
        return {"version_id": version.pk, "title": version.title, "version": version.number}

    def get_status(self, assignment) -> str:
        return assignment_status(assignment)

    def get_results_available(self, assignment) -> bool:
        return assignment.results_visible_to_employee


class ChoiceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    label = serializers.CharField()


class QuestionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField(source="position")
    kind = serializers.CharField()
    text = serializers.CharField()
    required = serializers.BooleanField()
    scale_min = serializers.SerializerMethodField()
    scale_max = serializers.IntegerField(allow_null=True)
    low_label = serializers.CharField()
    high_label = serializers.CharField()
    choices = ChoiceOutSerializer(many=True, source="choices.all")

    def get_scale_min(self, question) -> int | None:
        return 1 if question.is_scale else None


class AnswerOutSerializer(serializers.ModelSerializer):
    question = serializers.IntegerField(source="question_id")
    choice = serializers.IntegerField(source="choice_id", allow_null=True)

    class Meta:
        model = Answer
        fields = ["question", "value", "choice", "text", "saved_at"]


class AnswerInSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    value = serializers.IntegerField(required=False, allow_null=True)
    choice = serializers.IntegerField(required=False, allow_null=True)
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=services.MAX_TEXT_ANSWER
    )


class AnswersInSerializer(serializers.Serializer):
    answers = AnswerInSerializer(many=True, allow_empty=False, max_length=200)


class ScoreOutSerializer(serializers.Serializer):
    dimension = serializers.CharField(source="dimension_key")
    name = serializers.CharField(source="dimension.name")
    score = serializers.SerializerMethodField()
    answered = serializers.IntegerField()
    items = serializers.IntegerField()
    band = serializers.SerializerMethodField()

    def get_score(self, score) -> int | None:
        return scoring.display(score.value)

    def get_band(self, score) -> dict | None:
        band = scoring.band_for(score.value, self.context["bands"].get(score.dimension_id, []))
        return None if band is None else {"label": band.label, "text": band.text}


class ResultSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    moment = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    scores = ScoreOutSerializer(many=True)


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """My assessments (`GET`), their questions and my answers so far (`GET {id}`), saving answers
    (`PUT {id}/answers/`), handing in (`POST {id}/submit/`) and my scores (`GET {id}/result/`)."""

    model = Assignment
    serializer_class = AssignmentSerializer

    def safely_filter_queryset(self, queryset):
        mine = queryset.filter(employee_id=self.actor.user_id, enrolment__status__in=LIVE_ENROLMENT)
        if self.action in ("list", "retrieve"):
            mine = selectors.with_progress(mine)
        return mine.select_related("phase_assessment__programme", "version").order_by("phase_assessment__due_on", "pk")

    def _state(self, assignment: Assignment) -> dict:
        answers = Answer.objects.filter(assignment_id=assignment.pk).order_by("question__position")
        return {
            "assignment": AssignmentSerializer(self._fresh(assignment)).data,
            "answers": AnswerOutSerializer(answers, many=True).data,
        }

    def _fresh(self, assignment: Assignment) -> Assignment:
        """The assessment as it is now, with its progress, for the response."""
        rows = policy.scope(self.actor, Assignment).filter(employee_id=self.actor.user_id)
        return (
            selectors.with_progress(rows).select_related("phase_assessment__programme", "version").get(pk=assignment.pk)
        )

    @extend_schema(
        responses=inline_serializer(
            "AssignmentDetail",
            {
                "assignment": AssignmentSerializer(),
                "questions": QuestionOutSerializer(many=True),
                "answers": AnswerOutSerializer(many=True),
            },
        )
    )
    def retrieve(self, request, *args, **kwargs):
        assignment = self.get_object()
        data = self._state(assignment)
        data["questions"] = QuestionOutSerializer(version_questions(assignment.version), many=True).data
        return Response(data)

    @extend_schema(
        request=AnswersInSerializer,
        responses=inline_serializer(
            "AnswersSaved", {"assignment": AssignmentSerializer(), "answers": AnswerOutSerializer(many=True)}
        ),
    )
    @action(detail=True, methods=["put"])
    def answers(self, request, pk=None):
        """Save the answers named (each replaces that question's earlier answer; null or "" clears it).
        All of them are saved, or none when one is wrong."""
        assignment = self.get_object()
        payload = AnswersInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = [
            services.AnswerInput(
                question_id=item["question"],
                value=item.get("value"),
                choice_id=item.get("choice"),
                text=item.get("text", ""),
            )
            for item in payload.validated_data["answers"]
        ]
        with service_errors():
            services.answers_save(actor=self.actor, assignment=assignment, answers=given)
        return Response(self._state(assignment))

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Hand in: every required question must be answered. Afterwards the answers never change."""
        assignment = self.get_object()
        with service_errors():
            services.assignment_submit(actor=self.actor, assignment=assignment)
        return Response(AssignmentSerializer(self._fresh(assignment)).data)

    @extend_schema(
        responses={200: ResultSerializer, 409: refused("Not submitted yet, or the results are not shown to you yet.")}
    )
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """My scores per dimension (0–100) with the band they fall in; 409 until there is something to show."""
        assignment = self.get_object()
        if assignment.submitted_at is None:
            return Response({"detail": "This assessment has not been submitted yet."}, status=status.HTTP_409_CONFLICT)
        if not assignment.results_visible_to_employee:
            return Response(
                {"detail": "Your coach releases these results after going through them with you."},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(result_data(self.actor, assignment))


def result_data(actor: policy.Actor, assignment: Assignment) -> dict:
    """An assessment's scores per dimension with their bands, read through the policy (so a coach's read
    is written to the employee's access log)."""
    # With their assessment: whose scores they are, for the access log the policy writes for a coach.
    scores = list(
        policy.scope(actor, Score)
        .filter(assignment_id=assignment.pk)
        .select_related("dimension", "assignment")
        .order_by("dimension__position", "dimension_id")
    )
    bands: dict[int, list[Band]] = {}
    for band in policy.scope(actor, Band).filter(dimension__version_id=assignment.version_id):
        bands.setdefault(band.dimension_id, []).append(band)
    return ResultSerializer(
        {
            "assignment": assignment.pk,
            "moment": assignment.phase_assessment.moment,
            "submitted_at": assignment.submitted_at,
            "scores": scores,
        },
        context={"bands": bands},
    ).data
