"""The instrument builder's writes for HR and coaches: making, changing, copying and removing an
instrument, and its dimensions, bands and questions. The same services as the builder's pages: HR edits
every instrument of the organisation, a coach the ones they made, nobody the built-in ones.

An instrument that has been scheduled is frozen (that is how a version is published: the answers keep
their meaning); a change to it lands in a new version. Every write therefore answers with the whole
version the change landed in, whose `id` may differ from the one written to.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.instruments import InstrumentDetailSerializer, InstrumentViewSet
from assessments.models import Band, Dimension, InstrumentVersion, Question
from assessments.services import instruments as services
from portal import policy
from portal.api import PolicyViewSet, service_errors

EDITORS = (policy.HR_MANAGER, policy.COACH)


def version_detail(actor: policy.Actor, pk: int) -> dict:
    """One version in full, as GET /api/v1/instruments/{id}/ answers it."""
    version = (
        policy.scope(actor, InstrumentVersion)
        .select_related("instrument")
        .annotate(question_count=Count("questions"))
        .prefetch_related("dimensions__bands", "questions__dimension", "questions__choices")
        .get(pk=pk)
    )
    return InstrumentDetailSerializer(version).data


class InstrumentWriteSerializer(serializers.Serializer):
    title_en = serializers.CharField(max_length=200)
    title_nl = serializers.CharField(max_length=200)
    description_en = serializers.CharField(required=False, allow_blank=True, default="")
    description_nl = serializers.CharField(required=False, allow_blank=True, default="")
    results_need_release = serializers.BooleanField(
        default=False, help_text="True: the coach releases each person's results after going through them."
    )


class DimensionWriteSerializer(serializers.Serializer):
    name_en = serializers.CharField(max_length=120)
    name_nl = serializers.CharField(max_length=120)
    description_en = serializers.CharField(required=False, allow_blank=True, default="")
    description_nl = serializers.CharField(required=False, allow_blank=True, default="")


class BandWriteSerializer(serializers.Serializer):
    lower = serializers.IntegerField(help_text="0–100")
    upper = serializers.IntegerField(help_text="0–100")
    label_en = serializers.CharField(max_length=120)
    label_nl = serializers.CharField(max_length=120)
    text_en = serializers.CharField()
    text_nl = serializers.CharField()


class ChoiceWriteSerializer(serializers.Serializer):
    label_en = serializers.CharField()
    label_nl = serializers.CharField()
    score = serializers.IntegerField(min_value=-100, max_value=100, required=False, allow_null=True, default=None)


class QuestionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    text_en = serializers.CharField()
    text_nl = serializers.CharField()
    dimension = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of a dimension of this instrument; null: not scored.",
    )
    reverse_scored = serializers.BooleanField(default=False)
    required = serializers.BooleanField(default=True)
    low_label_en = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    low_label_nl = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    high_label_en = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    high_label_nl = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    choices = ChoiceWriteSerializer(many=True, required=False, default=list, help_text="Single choice only, in order.")


class QuestionMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"])


Removed = inline_serializer(
    "InstrumentRemoved",
    {"removed": serializers.ChoiceField(choices=["deleted", "archived"], help_text="Archived: it has been used.")},
)


def _question_fields(actor: policy.Actor, data: dict) -> services.QuestionFields:
    dimension = None
    if data["dimension"] is not None:
        dimension = policy.scope(actor, Dimension).filter(pk=data["dimension"]).first()
        if dimension is None:
            raise exceptions.ValidationError({"dimension": [_("Choose a dimension of this instrument.")]})
    choices = [(c["label_en"], c["label_nl"], c["score"]) for c in data["choices"]]
    return services.QuestionFields(**{**data, "dimension": dimension, "choices": choices})


def _parse(serializer_class, request) -> dict:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


@extend_schema(tags=["instruments"])
@extend_schema_view(
    list=extend_schema(summary="List the instruments"),
    retrieve=extend_schema(summary="Read one version of an instrument in full"),
)
class InstrumentBuilderViewSet(InstrumentViewSet):
    """Instruments here: the list holds each one's current version; `GET {id}` any version in full; HR and
    coaches make and change their instruments."""

    @extend_schema(
        summary="Make a new instrument", request=InstrumentWriteSerializer, responses={201: InstrumentDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        """An empty instrument of this organisation (version 1), to which dimensions and questions are added."""
        data = _parse(InstrumentWriteSerializer, request)
        with service_errors():
            version = services.instrument_create(actor=self.actor, **data)
        return Response(version_detail(self.actor, version.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an instrument's title, description or release setting",
        request=InstrumentWriteSerializer,
        responses=InstrumentDetailSerializer,
    )
    def update(self, request, *args, **kwargs):
        version = self.get_object()
        data = _parse(InstrumentWriteSerializer, request)
        with service_errors():
            landed = services.instrument_update(actor=self.actor, version=version, **data)
        return Response(version_detail(self.actor, landed.pk))

    @extend_schema(summary="Remove an instrument", request=None, responses=Removed)
    def destroy(self, request, *args, **kwargs):
        """Deleted when nobody was ever asked to answer it; archived (kept for its results) otherwise."""
        version = self.get_object()
        with service_errors():
            deleted = services.instrument_remove(actor=self.actor, version=version)
        return Response({"removed": "deleted" if deleted else "archived"})

    @extend_schema(summary="Copy an instrument to adapt it", request=None, responses={201: InstrumentDetailSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """The organisation's own copy (typically of a built-in instrument), editable."""
        version = self.get_object()
        with service_errors():
            copy = services.instrument_copy(actor=self.actor, version=version)
        return Response(version_detail(self.actor, copy.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a dimension", request=DimensionWriteSerializer, responses={201: InstrumentDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def dimensions(self, request, pk=None):
        version = self.get_object()
        data = _parse(DimensionWriteSerializer, request)
        with service_errors():
            dimension = services.dimension_add(actor=self.actor, version=version, **data)
        return Response(version_detail(self.actor, dimension.version_id), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a question at the end",
        request=QuestionWriteSerializer,
        responses={201: InstrumentDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        version = self.get_object()
        fields = _question_fields(self.actor, _parse(QuestionWriteSerializer, request))
        with service_errors():
            question = services.question_add(actor=self.actor, version=version, fields=fields)
        return Response(version_detail(self.actor, question.version_id), status=status.HTTP_201_CREATED)


class _PartViewSet(PolicyViewSet):
    """A part of an instrument version; answers with the whole version the change landed in."""

    roles = EDITORS
    serializer_class = InstrumentDetailSerializer
    pagination_class = None

    def _landed(self, version_id: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(version_detail(self.actor, version_id), status=code)


@extend_schema(tags=["instruments"])
class DimensionViewSet(_PartViewSet):
    model = Dimension

    @extend_schema(summary="Change a dimension", request=DimensionWriteSerializer)
    def update(self, request, *args, **kwargs):
        """Rename or describe a dimension; its key stays, so results before and after still line up."""
        dimension = self.get_object()
        data = _parse(DimensionWriteSerializer, request)
        with service_errors():
            changed = services.dimension_update(actor=self.actor, dimension=dimension, **data)
        return self._landed(changed.version_id)

    @extend_schema(summary="Remove a dimension", request=None)
    def destroy(self, request, *args, **kwargs):
        """Only a dimension no question counts towards (400 otherwise)."""
        dimension = self.get_object()
        with service_errors():
            version = services.dimension_delete(actor=self.actor, dimension=dimension)
        return self._landed(version.pk)

    @extend_schema(
        summary="Add a band to a dimension", request=BandWriteSerializer, responses={201: InstrumentDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def bands(self, request, pk=None):
        """A range of scores with what it means for the person (bands of a dimension do not overlap)."""
        dimension = self.get_object()
        fields = services.BandFields(**_parse(BandWriteSerializer, request))
        with service_errors():
            band = services.band_add(actor=self.actor, dimension=dimension, fields=fields)
        return self._landed(band.dimension.version_id, status.HTTP_201_CREATED)


@extend_schema(tags=["instruments"])
class BandViewSet(_PartViewSet):
    model = Band

    @extend_schema(summary="Change a band", request=BandWriteSerializer)
    def update(self, request, *args, **kwargs):
        band = self.get_object()
        fields = services.BandFields(**_parse(BandWriteSerializer, request))
        with service_errors():
            changed = services.band_update(actor=self.actor, band=band, fields=fields)
        return self._landed(changed.dimension.version_id)

    @extend_schema(summary="Remove a band", request=None)
    def destroy(self, request, *args, **kwargs):
        band = self.get_object()
        with service_errors():
            version = services.band_delete(actor=self.actor, band=band)
        return self._landed(version.pk)


@extend_schema(tags=["instruments"])
class QuestionViewSet(_PartViewSet):
    model = Question

    @extend_schema(summary="Change a question", request=QuestionWriteSerializer)
    def update(self, request, *args, **kwargs):
        question = self.get_object()
        fields = _question_fields(self.actor, _parse(QuestionWriteSerializer, request))
        with service_errors():
            changed = services.question_update(actor=self.actor, question=question, fields=fields)
        return self._landed(changed.version_id)

    @extend_schema(summary="Remove a question", request=None)
    def destroy(self, request, *args, **kwargs):
        question = self.get_object()
        with service_errors():
            version = services.question_delete(actor=self.actor, question=question)
        return self._landed(version.pk)

    @extend_schema(summary="Move a question up or down", request=QuestionMoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        question = self.get_object()
        data = _parse(QuestionMoveSerializer, request)
        with service_errors():
            moved = services.question_move(actor=self.actor, question=question, direction=data["direction"])
        return self._landed(moved.version_id)
