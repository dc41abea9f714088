"""The programmes API: programmes (with their phases and resources, and copying one as a template)
and cohorts. Rows come from the policy through PolicyViewSet; changes go through the same services as
the pages, and only HR managers may make them (others get the ordinary 404)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from portal.idempotency import idempotent
from programmes.models import Cohort, Phase, Programme, Resource
from programmes.selectors import programmes as selectors
from programmes.services import programmes as services
from tenants.models import User


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["id", "position", "kind", "name", "description", "starts_on", "ends_on"]
        read_only_fields = fields


class PhaseInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Phase.Kind.choices, default=Phase.Kind.OTHER)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ResourceSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = ["id", "title", "description", "url", "file_url"]
        read_only_fields = fields

    def get_file_url(self, resource: Resource) -> str | None:
        if not resource.file:
            return None
        return self.context["request"].build_absolute_uri(reverse("resource_download", args=[resource.pk]))


class ProgrammeSerializer(serializers.ModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)
    resources = ResourceSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "description",
            "objectives",
            "starts_on",
            "ends_on",
            "status",
            "default_credits",
            "sponsor",
            "sponsor_must_accept",
            "copied_from",
            "phases",
            "resources",
            "created_at",
        ]
        read_only_fields = fields


class ProgrammeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    objectives = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.ChoiceField(choices=Programme.Status.choices, default=Programme.Status.DRAFT)
    default_credits = serializers.IntegerField(min_value=0, max_value=100, default=6)
    sponsor = serializers.ChoiceField(
        choices=Programme.Sponsor.choices,
        default=Programme.Sponsor.MANAGER,
        help_text="Who accepts each coaching agreement beside the employee and the coach: the employee's manager "
        "(HR when the manager has no account here) or HR.",
    )
    sponsor_must_accept = serializers.BooleanField(
        default=True, help_text="False: an agreement is in force once the employee and the coach accept it."
    )
    phases = PhaseInputSerializer(
        many=True,
        required=False,
        help_text=(
            "The programme's phases in order; when left out, the four default phases (intake and initial "
            "assessment, group sessions, individual coaching, final assessment)."
        ),
    )


class ProgrammeUpdateSerializer(ProgrammeWriteSerializer):
    phases = None


class ProgrammeCopySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    starts_on = serializers.DateField(help_text="Phases and cohorts move along by the same number of days.")
    include_cohorts = serializers.BooleanField(default=True)


@extend_schema(tags=["programmes"])
class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Programmes the caller may see: all of them for HR, those they take part in for coaches and employees."""

    model = Programme
    serializer_class = ProgrammeSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.prefetch_related("phases", "resources").order_by("-starts_on", "name")

    @extend_schema(request=ProgrammeWriteSerializer, responses={201: ProgrammeSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """HR: a new programme, with the default phases unless `phases` names others."""
        payload = ProgrammeWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            programme = services.programme_create(actor=self.actor, **payload.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=programme.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ProgrammeUpdateSerializer, responses=ProgrammeSerializer)
    def update(self, request, *args, **kwargs):
        """HR: change a programme's name, description, objectives, dates, status or default credits."""
        programme = self.get_object()
        payload = ProgrammeUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.programme_update(actor=self.actor, programme=programme, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=programme.pk)).data)

    @extend_schema(request=ProgrammeCopySerializer, responses={201: ProgrammeSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """HR: the next run of this programme, as a draft with its phases, resources and (optionally) cohorts."""
        programme = self.get_object()
        payload = ProgrammeCopySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            copy = services.programme_copy(actor=self.actor, programme=programme, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=copy.pk)).data, status=status.HTTP_201_CREATED)


class CohortSerializer(serializers.ModelSerializer):
    coaches = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    seats_taken = serializers.IntegerField(source="seats", read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "programme", "name", "capacity", "seats_taken", "starts_on", "coaches"]
        read_only_fields = fields


class CohortWriteSerializer(serializers.Serializer):
    programme = serializers.IntegerField(help_text="Only when creating.", required=False)
    name = serializers.CharField(max_length=200)
    capacity = serializers.IntegerField(min_value=1, max_value=10_000, default=20)
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    coaches = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="User ids of people who coach in this organisation.",
    )


@extend_schema(tags=["programmes"])
@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("programme", int, description="Only the cohorts of this programme.")]
    )
)
class CohortViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Cohorts the caller may see, with their coaches and how many seats are taken."""

    model = Cohort
    serializer_class = CohortSerializer

    def safely_filter_queryset(self, queryset):
        queryset = (
            queryset.annotate(seats=selectors.seats_taken())
            .prefetch_related("coaches")
            .order_by("programme_id", "name")
        )
        programme = self.request.query_params.get("programme", "") if self.action == "list" else ""
        return queryset.filter(programme_id=programme) if programme.isdigit() else queryset

    def _coaches(self, ids: list[int]) -> list[User]:
        coaches = list(selectors.coach_choices(actor=self.actor).filter(pk__in=ids))
        if len(coaches) != len(set(ids)):
            raise exceptions.ValidationError({"coaches": [_("Choose coaches who coach in this organisation.")]})
        return coaches

    @extend_schema(request=CohortWriteSerializer, responses={201: CohortSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """HR: a new cohort in a programme."""
        payload = CohortWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "programme" not in data:
            raise exceptions.ValidationError({"programme": [_("Name the programme.")]})
        programme = policy.get_or_404(self.actor, Programme, pk=data.pop("programme"))
        with service_errors():
            cohort = services.cohort_create(
                actor=self.actor, programme=programme, coaches=self._coaches(data.pop("coaches")), **data
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=cohort.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CohortWriteSerializer, responses=CohortSerializer)
    def update(self, request, *args, **kwargs):
        """HR: rename a cohort, change its capacity (not below the seats taken), start or coaches."""
        cohort = self.get_object()
        payload = CohortWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("programme", None)
        with service_errors():
            services.cohort_update(actor=self.actor, cohort=cohort, coaches=self._coaches(data.pop("coaches")), **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=cohort.pk)).data)
