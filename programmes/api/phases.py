"""HR's writes to a programme's phases and learning resources: add, change, reorder and remove phases;
add a link or a file, remove a resource. Everyone in a programme reads them with the programme
(GET /api/v1/programmes/{id}/). The same services as the programme page."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from programmes.api.programmes import PhaseSerializer, ResourceSerializer
from programmes.models import Phase, Programme, Resource
from programmes.services import programmes as services


class ProgrammeRefSerializer(serializers.Serializer):
    programme = serializers.IntegerField(help_text="The programme's id.")


class PhaseWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Phase.Kind.choices, default=Phase.Kind.OTHER)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class PhaseCreateSerializer(ProgrammeRefSerializer, PhaseWriteSerializer):
    pass


class PhaseMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"])


class PhaseOfProgrammeSerializer(PhaseSerializer):
    class Meta(PhaseSerializer.Meta):
        fields = ["programme", *PhaseSerializer.Meta.fields]
        read_only_fields = fields


def _programme(actor: policy.Actor, data: dict) -> Programme:
    try:
        return policy.get_or_404(actor, Programme, pk=data.pop("programme"))
    except Http404:  # another organisation's, or none: the same answer
        raise exceptions.ValidationError({"programme": [_("No programme here has this id.")]}) from None


@extend_schema(tags=["programmes"])
class PhaseViewSet(mixins.RetrieveModelMixin, PolicyViewSet):
    """HR: a programme's phases, one at a time (positions stay 1, 2, 3...)."""

    model = Phase
    roles = (policy.HR_MANAGER,)
    serializer_class = PhaseOfProgrammeSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.select_related("programme")

    @extend_schema(summary="Read one phase")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Add a phase at the end", request=PhaseCreateSerializer, responses={201: PhaseOfProgrammeSerializer}
    )
    def create(self, request, *args, **kwargs):
        """HR: a phase at the end of the programme's list; its dates within the programme's."""
        payload = PhaseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        programme = _programme(self.actor, data)
        with service_errors():
            phase = services.phase_add(actor=self.actor, programme=programme, **data)
        return Response(self.get_serializer(phase).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a phase", request=PhaseWriteSerializer)
    def update(self, request, *args, **kwargs):
        """HR: a phase's name, kind, description and dates."""
        phase = self.get_object()
        payload = PhaseWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.phase_update(actor=self.actor, phase=phase, **payload.validated_data)
        return Response(self.get_serializer(phase).data)

    @extend_schema(
        summary="Move a phase up or down", request=PhaseMoveSerializer, responses=PhaseOfProgrammeSerializer(many=True)
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """HR: swap a phase with the one above or below it; the programme's phases in their new order."""
        phase = self.get_object()
        payload = PhaseMoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.phase_move(actor=self.actor, phase=phase, up=payload.validated_data["direction"] == "up")
        phases = self.get_queryset().filter(programme_id=phase.programme_id).order_by("position")
        return Response(self.get_serializer(phases, many=True).data)

    @extend_schema(summary="Remove a phase", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """HR: the phases after it move up."""
        phase = self.get_object()
        with service_errors():
            services.phase_delete(actor=self.actor, phase=phase)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResourceCreateSerializer(serializers.Serializer):
    programme = serializers.IntegerField(help_text="The programme's id.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    url = serializers.URLField(required=False, allow_blank=True, default="", help_text="A link; or upload a `file`.")
    file = serializers.FileField(
        required=False, help_text="A document, presentation, image, audio or video, up to 25 MB."
    )


class ResourceOfProgrammeSerializer(ResourceSerializer):
    programme = serializers.IntegerField(source="programme_id", read_only=True)

    class Meta(ResourceSerializer.Meta):
        fields = ["programme", *ResourceSerializer.Meta.fields]
        read_only_fields = fields


@extend_schema(tags=["programmes"])
class ResourceViewSet(mixins.RetrieveModelMixin, PolicyViewSet):
    """HR: a programme's learning resources (links and files)."""

    model = Resource
    roles = (policy.HR_MANAGER,)
    serializer_class = ResourceOfProgrammeSerializer
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(summary="Read one resource")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Add a link or a file",
        # One media type in the schema: the form that can carry the file. A link alone may also come as JSON.
        request={"multipart/form-data": ResourceCreateSerializer},
        responses={201: ResourceOfProgrammeSerializer},
    )
    def create(self, request, *args, **kwargs):
        """HR: a link or a file (multipart; a link alone may also be sent as JSON) for everyone in the programme, at the end of its list."""
        payload = ResourceCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        programme = _programme(self.actor, data)
        with service_errors():
            resource = services.resource_add(actor=self.actor, programme=programme, **data)
        return Response(self.get_serializer(resource).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a resource", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        resource = self.get_object()
        with service_errors():
            services.resource_delete(actor=self.actor, resource=resource)
        return Response(status=status.HTTP_204_NO_CONTENT)
