"""The instruments API for HR and coaches: the library (current versions) and one version in full."""

from __future__ import annotations

from django.db.models import Count
from rest_framework import mixins, serializers

from assessments.models import Band, Dimension, InstrumentVersion, Question
from portal import policy
from portal.api import PolicyViewSet


class BandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Band
        fields = ["lower", "upper", "label_en", "label_nl", "text_en", "text_nl"]


class DimensionSerializer(serializers.ModelSerializer):
    bands = BandSerializer(many=True, source="bands.all")

    class Meta:
        model = Dimension
        fields = ["id", "key", "name_en", "name_nl", "description_en", "description_nl", "bands"]


class QuestionSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="position")
    dimension = serializers.CharField(source="dimension.key", allow_null=True, default=None)
    choices = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "number",
            "kind",
            "dimension",
            "text_en",
            "text_nl",
            "reverse_scored",
            "required",
            "low_label_en",
            "low_label_nl",
            "high_label_en",
            "high_label_nl",
            "choices",
        ]

    def get_choices(self, question) -> list[dict]:
        return [
            {"id": c.pk, "label_en": c.label_en, "label_nl": c.label_nl, "score": c.score}
            for c in question.choices.all()
        ]


class InstrumentSerializer(serializers.ModelSerializer):
    key = serializers.CharField(source="instrument.key")
    version = serializers.IntegerField(source="number")
    builtin = serializers.BooleanField(source="instrument.is_builtin")
    results_need_release = serializers.BooleanField(source="instrument.results_need_release")
    frozen = serializers.BooleanField(source="is_frozen")
    questions = serializers.IntegerField(source="question_count")

    class Meta:
        model = InstrumentVersion
        fields = [
            "id",
            "key",
            "version",
            "title_en",
            "title_nl",
            "description_en",
            "description_nl",
            "builtin",
            "results_need_release",
            "frozen",
            "questions",
        ]


class InstrumentDetailSerializer(InstrumentSerializer):
    dimensions = DimensionSerializer(many=True, source="dimensions.all")
    questions = QuestionSerializer(many=True, source="questions.all")

    class Meta(InstrumentSerializer.Meta):
        fields = InstrumentSerializer.Meta.fields + ["dimensions"]


class InstrumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Instruments here: the list holds each one's current version; `GET {id}` any version in full."""

    model = InstrumentVersion
    roles = (policy.HR_MANAGER, policy.COACH)

    def get_serializer_class(self):
        return InstrumentDetailSerializer if self.action == "retrieve" else InstrumentSerializer

    def safely_filter_queryset(self, queryset):
        queryset = queryset.select_related("instrument").annotate(question_count=Count("questions"))
        if self.action == "list":
            return queryset.filter(is_latest=True, instrument__archived_at__isnull=True).order_by(
                "-instrument__is_builtin", "title_en", "pk"
            )
        return queryset.prefetch_related("dimensions__bands", "questions__dimension", "questions__choices")
