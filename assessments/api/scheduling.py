"""Scheduling assessments (HR) and releasing results (coaches), through the same services as the pages.

HR schedules an instrument in a programme phase, moves its dates, withdraws it while nobody has started,
and reads completion and mean scores over released cells only (reports.disclosure: never a figure about
fewer people than the threshold). A coach lists the assessments of the people they coach, reads a handed-in
result (written to the person's access log) and releases it to the person.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.assignments import AssignmentSerializer, ResultSerializer, result_data
from assessments.models import Assignment, InstrumentVersion, PhaseAssessment
from assessments.selectors import results as selectors
from assessments.selectors.instruments import versions_to_schedule
from assessments.services import assignments as services
from portal import policy
from portal.api import PolicyViewSet, service_errors
from programmes.models import Phase


class AssessmentCompletionSerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text="False: withheld, fewer people than the minimum handed in.")
    assigned = serializers.IntegerField()
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    overdue = serializers.IntegerField()


class ScheduledAssessmentSerializer(serializers.ModelSerializer):
    programme = serializers.IntegerField(source="programme_id", read_only=True)
    phase = serializers.IntegerField(source="phase_id", read_only=True)
    instrument = serializers.IntegerField(source="instrument_id", read_only=True)
    version = serializers.IntegerField(source="version_id", read_only=True)
    title = serializers.CharField(source="version.title", read_only=True)

    class Meta:
        model = PhaseAssessment
        fields = [
            "id",
            "programme",
            "phase",
            "instrument",
            "version",
            "title",
            "moment",
            "opens_on",
            "due_on",
            "reminder_days_before",
            "created_at",
        ]
        read_only_fields = fields


class ScheduledRowSerializer(serializers.Serializer):
    scheduled = ScheduledAssessmentSerializer()
    completion = AssessmentCompletionSerializer()


class ScheduleDatesSerializer(serializers.Serializer):
    opens_on = serializers.DateField()
    due_on = serializers.DateField()
    reminder_days_before = serializers.IntegerField(min_value=0, max_value=60, default=3)


class ScheduleSerializer(ScheduleDatesSerializer):
    phase = serializers.IntegerField(help_text="The programme phase's id.")
    version = serializers.IntegerField(help_text="The instrument version's id (the current version, with questions).")
    moment = serializers.ChoiceField(choices=PhaseAssessment.Moment.choices)


class CohortCompletionSerializer(serializers.Serializer):
    cohort = serializers.IntegerField()
    name = serializers.CharField()
    completion = AssessmentCompletionSerializer()


class MeanLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    people = serializers.IntegerField()
    mean = serializers.IntegerField(source="shown", allow_null=True, help_text="0–100; null when withheld.")
    baseline_people = serializers.IntegerField()
    change = serializers.IntegerField(allow_null=True, help_text="Since the same people's initial assessment.")


class AggregateSerializer(serializers.Serializer):
    scheduled = ScheduledAssessmentSerializer()
    cohort = serializers.IntegerField(source="cohort.pk", allow_null=True, default=None)
    minimum = serializers.IntegerField()
    completion = AssessmentCompletionSerializer()
    by_cohort = serializers.SerializerMethodField()
    lines = MeanLineSerializer(many=True)

    def get_by_cohort(self, aggregate) -> CohortCompletionSerializer(many=True):
        return CohortCompletionSerializer(
            [{"cohort": c.pk, "name": c.name, "completion": done} for c, done in aggregate.by_cohort], many=True
        ).data


def _one(actor: policy.Actor, model, pk: int, field: str, message: str, rows=None):
    """A row named in a request body, through the policy; another organisation's is as unknown as none."""
    try:
        return policy.get_or_404(actor, model, rows if rows is not None else policy.scope(actor, model), pk=pk)
    except Http404:
        raise exceptions.ValidationError({field: [message]}) from None


@extend_schema(tags=["assessments"])
@extend_schema_view(
    list=extend_schema(summary="List the scheduled assessments with their completion"),
    retrieve=extend_schema(summary="Read one scheduled assessment"),
)
class ScheduledAssessmentViewSet(mixins.RetrieveModelMixin, PolicyViewSet):
    """HR: instruments scheduled in programme phases; everyone enrolled gets them with a due date."""

    model = PhaseAssessment
    roles = (policy.HR_MANAGER,)
    serializer_class = ScheduledAssessmentSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.select_related("version").order_by("-opens_on", "pk")

    @extend_schema(responses=ScheduledRowSerializer(many=True))
    def list(self, request, *args, **kwargs):
        """Every scheduled assessment with its completion (counts over released cells only)."""
        rows = selectors.hr_overview(actor=self.actor)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ScheduledRowSerializer(page, many=True).data)

    @extend_schema(
        summary="Schedule an assessment", request=ScheduleSerializer, responses={201: ScheduledAssessmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        payload = ScheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        phase = _one(self.actor, Phase, data.pop("phase"), "phase", _("No programme phase here has this id."))
        version = _one(
            self.actor,
            InstrumentVersion,
            data.pop("version"),
            "version",
            _("Choose the current version of an instrument that is still in use."),
            rows=versions_to_schedule(actor=self.actor),
        )
        with service_errors():
            scheduled = services.phase_assessment_schedule(actor=self.actor, phase=phase, version=version, **data)
        return Response(self.get_serializer(scheduled).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Move a scheduled assessment's dates", request=ScheduleDatesSerializer)
    def update(self, request, *args, **kwargs):
        scheduled = self.get_object()
        payload = ScheduleDatesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.phase_assessment_update(actor=self.actor, phase_assessment=scheduled, **payload.validated_data)
        return Response(self.get_serializer(scheduled).data)

    @extend_schema(summary="Withdraw a scheduled assessment", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Only while nobody has started answering it (400 otherwise: move its dates instead)."""
        scheduled = self.get_object()
        with service_errors():
            services.phase_assessment_cancel(actor=self.actor, phase_assessment=scheduled)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Read a scheduled assessment's figures",
        parameters=[OpenApiParameter("cohort", int, description="Only this cohort of the programme.")],
        responses=AggregateSerializer,
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Completion, completion per cohort and the mean score per dimension, over released cells only."""
        scheduled = self.get_object()
        cohort = request.query_params.get("cohort", "")
        if cohort and not cohort.isdigit():
            raise exceptions.ValidationError({"cohort": [_("Give the cohort's id.")]})
        aggregate = selectors.hr_aggregate(actor=self.actor, pk=scheduled.pk, cohort_id=int(cohort) if cohort else None)
        if cohort and aggregate.cohort is None:
            raise exceptions.ValidationError({"cohort": [_("This cohort is not part of the programme.")]})
        return Response(AggregateSerializer(aggregate).data)


class CoacheeAssignmentSerializer(AssignmentSerializer):
    employee = serializers.IntegerField(source="employee_id", read_only=True)
    released_at = serializers.DateTimeField(read_only=True)

    class Meta(AssignmentSerializer.Meta):
        fields = ["employee", *AssignmentSerializer.Meta.fields, "released_at"]
        read_only_fields = fields


@extend_schema(tags=["assessments"])
@extend_schema_view(
    list=extend_schema(
        summary="List the assessments of the people I coach",
        parameters=[OpenApiParameter("employee", int, description="Only this person's.")],
    ),
    retrieve=extend_schema(summary="Read one coachee's assessment"),
)
class CoacheeAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Coaches: the assessments of the people they coach here, their results and releasing them."""

    model = Assignment
    roles = (policy.COACH,)
    serializer_class = CoacheeAssignmentSerializer

    def safely_filter_queryset(self, queryset):
        rows = selectors.coachee_assignments(actor=self.actor)
        employee = self.request.query_params.get("employee", "") if self.action == "list" else ""
        return rows.filter(employee_id=employee) if employee.isdigit() else rows

    @extend_schema(summary="Read a coachee's result", responses={200: ResultSerializer})
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """The scores of a handed-in assessment, before and after release (the read is written to the
        person's access log); 409 until it is handed in."""
        assignment = self.get_object()
        if assignment.submitted_at is None:
            return Response(
                {"detail": _("This assessment has not been submitted yet."), "code": "not_submitted"},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(result_data(self.actor, assignment))

    @extend_schema(summary="Release a result to the person", request=None)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Let the person see their scores, once you have gone through them together."""
        assignment = self.get_object()
        with service_errors():
            services.assignment_release(actor=self.actor, assignment=assignment)
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data)
