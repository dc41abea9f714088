"""HR's reports API: the dashboard's figures, the CSV exports as JSON lists, the audit log and erasure
requests. The figures come from the same selectors as the dashboard page, so every figure made of
coaching content is a sum of cells reports.disclosure released: never a figure about fewer people than
the threshold. The exports are the administrative data of the CSV files, keyed by column."""

from __future__ import annotations

from itertools import islice

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from reports.models import AuditEvent, ErasureRequest
from reports.selectors import audit as audit_selectors
from reports.selectors import dashboard as dashboard_selectors
from reports.selectors.exports import EXPORTS
from reports.services import erasure
from reports.services.audit import audit_record

SELECTION = [
    OpenApiParameter("programme", int, description="Only this programme."),
    OpenApiParameter("cohort", int, description="Only this cohort."),
    OpenApiParameter("department", str, description="Only the employees of this department."),
]


def selection_of(actor: policy.Actor, params) -> dashboard_selectors.Filters:
    """The dashboard's filters from the query string; a programme or cohort that names nothing the caller
    may see is a 400 with the page's message, never a quiet widening to everything."""
    filters, problems = dashboard_selectors.filters_from(actor=actor, params=params)
    if problems:
        raise exceptions.ValidationError({"detail": problems})
    return filters


# --- the dashboard -------------------------------------------------------------------------------------


class SelectionSerializer(serializers.Serializer):
    programme = serializers.IntegerField(source="programme.pk", allow_null=True, default=None)
    cohort = serializers.IntegerField(source="cohort.pk", allow_null=True, default=None)
    department = serializers.CharField()


class FunnelStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class AttendanceFiguresSerializer(serializers.Serializer):
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    excused = serializers.IntegerField()
    unmarked = serializers.IntegerField()
    rate = serializers.IntegerField(allow_null=True, help_text="Present out of present and absent, in per cent.")


class CreditFiguresSerializer(serializers.Serializer):
    allowance = serializers.IntegerField()
    used = serializers.IntegerField()
    adjusted = serializers.IntegerField()
    left = serializers.IntegerField()
    percent_used = serializers.IntegerField(allow_null=True)


class DashboardCompletionSerializer(serializers.Serializer):
    moment = serializers.CharField()
    label = serializers.CharField()
    assigned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    overdue = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class DimensionChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    people = serializers.IntegerField()
    withheld = serializers.CharField(help_text="Why the figure is withheld; empty when it is shown.")
    initial = serializers.FloatField(allow_null=True)
    final = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    effect_size = serializers.FloatField(allow_null=True)
    effect_label = serializers.CharField()


class InstrumentChangeSerializer(serializers.Serializer):
    instrument_id = serializers.IntegerField()
    title = serializers.CharField()
    people = serializers.IntegerField()
    withheld = serializers.CharField()
    dimensions = DimensionChangeSerializer(many=True, source="shown")


class RatingCountSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    count = serializers.IntegerField()


class RatingsSerializer(serializers.Serializer):
    people = serializers.IntegerField()
    withheld = serializers.CharField()
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    distribution = serializers.SerializerMethodField()

    @extend_schema_field(RatingCountSerializer(many=True))
    def get_distribution(self, ratings) -> list[dict]:
        return [{"rating": rating, "count": count} for rating, count in sorted(ratings.distribution.items())]


class PulseFiguresSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="People who gave a pulse (0 when withheld).")
    withheld = serializers.CharField(help_text="Why the figures are withheld; empty when shown.")
    feeling = serializers.FloatField(allow_null=True, help_text="Average of each person's average, 1–5.")
    energy = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)


class OverdueSerializer(serializers.Serializer):
    assessments = serializers.IntegerField()
    actions_withheld = serializers.CharField(source="actions.withheld")
    action_count = serializers.IntegerField(allow_null=True)
    people_with_actions = serializers.IntegerField(allow_null=True)


class SharedGoalsSerializer(serializers.Serializer):
    goals = serializers.IntegerField()
    mean_progress = serializers.FloatField(allow_null=True)
    achieved = serializers.IntegerField()


class BreakdownSerializer(serializers.Serializer):
    label = serializers.CharField()
    enrolled = serializers.IntegerField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    assigned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    attendance_rate = serializers.IntegerField(allow_null=True)
    completion_rate = serializers.IntegerField(allow_null=True)
    pulse = PulseFiguresSerializer()


class DashboardSerializer(serializers.Serializer):
    selection = SelectionSerializer(source="filters")
    minimum = serializers.IntegerField(help_text="The fewest people a figure of coaching content is about.")
    people = serializers.IntegerField()
    funnel = FunnelStepSerializer(many=True)
    attendance = AttendanceFiguresSerializer()
    credits = CreditFiguresSerializer()
    completion = DashboardCompletionSerializer(many=True)
    change = InstrumentChangeSerializer(many=True)
    ratings = RatingsSerializer()
    pulse = PulseFiguresSerializer()
    overdue = OverdueSerializer()
    shared_goals = SharedGoalsSerializer()
    released_on = serializers.DateField(allow_null=True)
    generated_at = serializers.DateTimeField()
    breakdown = BreakdownSerializer(many=True)
    breakdown_by = serializers.ChoiceField(choices=["programme", "cohort"])


@extend_schema(tags=["reports"])
class DashboardViewSet(PolicyViewSet):
    """HR: the dashboard's figures."""

    # HR only, as the page (`roles`); the figures come from the dashboard's selectors, not from rows of
    # `model`, which only names the policy rule an unused list would read through.
    model = AuditEvent
    roles = (policy.HR_MANAGER,)
    serializer_class = DashboardSerializer
    pagination_class = None

    @extend_schema(summary="Read the dashboard's figures", parameters=SELECTION)
    def retrieve(self, request, *args, **kwargs):
        """The figures of the HR dashboard for a programme, cohort or department (or everything): enrolment,
        attendance and credits, and the released aggregates of coaching content (withheld, with the reason,
        where fewer people than `minimum` contribute)."""
        filters = selection_of(self.actor, request.query_params)
        report = dashboard_selectors.dashboard(actor=self.actor, filters=filters)
        # The page's breakdown table: per cohort within a programme, per programme otherwise.
        report.breakdown = dashboard_selectors.breakdown(actor=self.actor, filters=filters, report=report)
        report.breakdown_by = "cohort" if filters.programme else "programme"
        return Response(self.get_serializer(report).data)


# --- the exports ---------------------------------------------------------------------------------------


class ExportPagination(PageNumberPagination):
    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = 1000


ExportPage = inline_serializer(
    "ExportPage",
    {
        "kind": serializers.CharField(),
        "columns": serializers.ListField(child=serializers.CharField()),
        "page": serializers.IntegerField(),
        "next": serializers.IntegerField(allow_null=True),
        "results": serializers.ListField(child=serializers.DictField()),
    },
)


@extend_schema(tags=["reports"])
class ExportViewSet(PolicyViewSet):
    """HR: the rows of the CSV exports (enrolments, attendance, credits), as JSON."""

    model = AuditEvent
    roles = (policy.HR_MANAGER,)
    lookup_field = "kind"
    lookup_value_regex = "[a-z]+"
    pagination_class = None
    serializer_class = ExportPage

    @extend_schema(
        summary="List the exports",
        responses=inline_serializer(
            "Export",
            {"kind": serializers.CharField(), "label": serializers.CharField(), "description": serializers.CharField()},
            many=True,
        ),
    )
    def list(self, request, *args, **kwargs):
        return Response(
            [{"kind": e.key, "label": str(e.label), "description": str(e.description)} for e in EXPORTS.values()]
        )

    @extend_schema(
        summary="Read one export's rows",
        parameters=[
            *SELECTION,
            OpenApiParameter("page", int, description="The page, from 1."),
            OpenApiParameter("page_size", int, description="Rows a page, at most 1,000 (by default 50)."),
        ],
        responses=ExportPage,
    )
    def retrieve(self, request, kind=None):
        """One export's rows for the selection, a page at a time, each row keyed by `columns` (the CSV's
        columns in English). Reading it is written to the audit log, as a CSV download is."""
        export = EXPORTS.get(kind)
        if export is None:
            raise exceptions.NotFound(policy.NOT_FOUND)
        page, size = self._page(request)
        filters = selection_of(self.actor, request.query_params)
        _header, rows = export.build(actor=self.actor, filters=filters)
        window = list(islice(rows, (page - 1) * size, page * size + 1))
        audit_record(
            actor=self.actor,
            action=AuditEvent.Action.CSV_EXPORTED,
            kind=kind,
            selection={**filters.as_query(), "page": str(page)},
        )
        return Response(
            {
                "kind": kind,
                "columns": list(export.columns),
                "page": page,
                "next": page + 1 if len(window) > size else None,
                "results": [dict(zip(export.columns, row, strict=True)) for row in window[:size]],
            }
        )

    @staticmethod
    def _page(request) -> tuple[int, int]:
        errors = {}
        values = {}
        for name, default, highest in (("page", 1, None), ("page_size", ExportPagination.page_size, 1000)):
            raw = request.query_params.get(name, str(default))
            if not raw.isdigit() or int(raw) < 1 or (highest and int(raw) > highest):
                errors[name] = [
                    _("Give a whole number from 1 to %(highest)s.") % {"highest": highest}
                    if highest
                    else _("Give a whole number from 1.")
                ]
            else:
                values[name] = int(raw)
        if errors:
            raise exceptions.ValidationError(errors)
        return values["page"], values["page_size"]


# --- the audit log -------------------------------------------------------------------------------------


class AuditLineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=["audit", "enrolment", "platform"])
    action = serializers.CharField()
    label = serializers.CharField()
    actor = serializers.CharField()
    subject = serializers.CharField()
    details = serializers.CharField()


class DataRightMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    exported = serializers.IntegerField()
    erasure_asked = serializers.IntegerField()
    erased = serializers.IntegerField()


@extend_schema(tags=["reports"])
@extend_schema_view(
    list=extend_schema(
        summary="List the organisation's audit log",
        parameters=[
            OpenApiParameter(
                "category", str, enum=[key for key in audit_selectors.CATEGORIES if key], description="Only these."
            )
        ],
    )
)
class AuditViewSet(mixins.ListModelMixin, PolicyViewSet):
    """HR: enrolments, role changes, exports, reports and erasures here, newest first. Never coaching
    content; a person's own use of a data right only as a monthly count (`data-rights`)."""

    model = AuditEvent
    roles = (policy.HR_MANAGER,)
    serializer_class = AuditLineSerializer

    def list(self, request, *args, **kwargs):
        category = request.query_params.get("category", "")
        if category not in audit_selectors.CATEGORIES:
            raise exceptions.ValidationError(
                {
                    "category": [
                        _("Choose one of: %(names)s.")
                        % {"names": ", ".join(k for k in audit_selectors.CATEGORIES if k)}
                    ]
                }
            )
        events = audit_selectors.organisation_events(actor=self.actor, category=category)
        page = self.paginate_queryset(events)
        lines = audit_selectors.event_lines(actor=self.actor, rows=list(page))
        return self.get_paginated_response(self.get_serializer(lines, many=True).data)

    @extend_schema(summary="Count the uses of data rights by month", responses=DataRightMonthSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="data-rights", pagination_class=None)
    def data_rights(self, request):
        """How many people exported their data, asked for erasure or were erased, in each of the last 12 months."""
        counts = audit_selectors.data_right_counts(actor=self.actor)
        return Response(DataRightMonthSerializer(counts, many=True).data)


# --- erasure requests ----------------------------------------------------------------------------------


class ErasureRequestSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    email = serializers.EmailField(source="person.email", read_only=True)
    requested_by = serializers.IntegerField(source="requested_by_id", read_only=True, allow_null=True)
    cancelled_by = serializers.IntegerField(source="cancelled_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ErasureRequest
        fields = [
            "id",
            "person",
            "email",
            "scope",
            "status",
            "requested_at",
            "due_at",
            "requested_by",
            "cancelled_at",
            "cancelled_by",
        ]
        read_only_fields = fields


class ErasureRequestCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="The address of one of this organisation's employees.")
    confirm = serializers.BooleanField(
        help_text="True: the person asked for this, or the organisation is required to erase their data."
    )

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Confirm why the data may be erased."))
        return value


@extend_schema(tags=["reports"])
@extend_schema_view(
    list=extend_schema(summary="List the erasure requests HR made"),
    retrieve=extend_schema(summary="Read one erasure request"),
)
class ErasureRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """HR: the erasures HR asked for in this organisation, scheduled and past (a person's own request is
    theirs: HR sees it only as a count)."""

    model = ErasureRequest
    roles = (policy.HR_MANAGER,)
    serializer_class = ErasureRequestSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.select_related("person").order_by("-requested_at", "-pk")

    @extend_schema(
        summary="Schedule an employee's erasure",
        request=ErasureRequestCreateSerializer,
        responses={201: ErasureRequestSerializer},
    )
    def create(self, request, *args, **kwargs):
        """HR: erase the data of one of this organisation's employees here, after the grace period (the
        person is told and may export their data meanwhile)."""
        payload = ErasureRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            scheduled = erasure.erasure_request_for_email(actor=self.actor, email=payload.validated_data["email"])
        return Response(
            self.get_serializer(self.get_queryset().get(pk=scheduled.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="Cancel a scheduled erasure", request=None, responses=ErasureRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """HR: call off an erasure HR asked for; nothing has been deleted yet."""
        scheduled = self.get_object()
        with service_errors():
            erasure.erasure_cancel(actor=self.actor, request=scheduled)
        return Response(self.get_serializer(self.get_queryset().get(pk=scheduled.pk)).data)
