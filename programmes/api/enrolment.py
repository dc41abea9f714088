"""The enrolments API: who is enrolled where, with which coach, status and credits; status changes;
enrolling one person; and `POST /api/v1/enrolments/import/`, the CSV import the upload page uses.

A CSV file that cannot be imported answers 400 with `{"errors": [{"row", "column", "message"}]}` and
nothing is written; `row` is the row as a spreadsheet numbers it (the header is row 1), or null for
the file as a whole.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from portal.idempotency import idempotent
from programmes.models import Cohort, Enrolment, EnrolmentImport, Programme
from programmes.selectors import enrolment as selectors
from programmes.selectors import programmes as programme_selectors
from programmes.services import enrolment as services
from programmes.services import imports


class EnrolmentPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class EventSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.IntegerField(source="by_id", allow_null=True)


class EnrolmentSerializer(serializers.ModelSerializer):
    employee = EnrolmentPersonSerializer(read_only=True)
    coach = EnrolmentPersonSerializer(read_only=True, allow_null=True)
    department = serializers.CharField(read_only=True, allow_null=True)
    job_title = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "programme",
            "cohort",
            "employee",
            "department",
            "job_title",
            "coach",
            "status",
            "credit_allowance",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = fields


class EnrolmentDetailSerializer(EnrolmentSerializer):
    history = EventSerializer(source="history_events", many=True, read_only=True)

    class Meta(EnrolmentSerializer.Meta):
        fields = EnrolmentSerializer.Meta.fields + ["history"]
        read_only_fields = fields


class EnrolmentAddSerializer(serializers.Serializer):
    cohort = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    department = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    job_title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    manager_email = serializers.EmailField(required=False, allow_blank=True, default="")
    coach = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A coach's user id; by default the cohort's coach with the fewest people.",
    )
    credit_allowance = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text="By default the programme's.",
    )


class EnrolmentChangeSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(required=False, help_text="Another cohort of the same programme.")
    coach = serializers.IntegerField(required=False, allow_null=True)
    credit_allowance = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        help_text=("This person's allowance of 1:1 credits; not below what they have already used."),
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Enrolment.Status.choices)


ImportRequest = inline_serializer(
    "EnrolmentImportRequest",
    {
        "file": serializers.FileField(help_text="CSV, UTF-8 with or without BOM, comma or semicolon separated."),
        "programme": serializers.IntegerField(
            required=False,
            help_text=(
                "The programme to enrol into; without it, each row's cohort is looked up in the open programmes."
            ),
        ),
    },
)
ImportResult = inline_serializer(
    "EnrolmentImportResult",
    {
        "message": serializers.CharField(),
        "rows": serializers.IntegerField(),
        "enrolled": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "invited": serializers.IntegerField(
            help_text=("Of the enrolled, how many are enrolled once they accept the invitation emailed to them.")
        ),
        "without_coach": serializers.IntegerField(
            help_text="Of the enrolled now, how many have no coach yet because their cohort's coaches are fully booked."
        ),
        "ignored_columns": serializers.ListField(child=serializers.CharField()),
    },
)
InvitedResult = inline_serializer(
    "EnrolmentInvited",
    {
        "status": serializers.CharField(help_text="Always “invited”."),
        "email": serializers.EmailField(),
        "first_name": serializers.CharField(),
        "last_name": serializers.CharField(),
        "cohort": serializers.IntegerField(),
    },
)
ImportErrors = inline_serializer(
    "EnrolmentImportErrors",
    {
        "message": serializers.CharField(),
        "errors": inline_serializer(
            "EnrolmentImportError",
            {
                "row": serializers.IntegerField(allow_null=True),
                "column": serializers.CharField(allow_null=True),
                "message": serializers.CharField(),
            },
            many=True,
        ),
    },
)


@extend_schema(tags=["enrolments"])
@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("programme", int, description="Only this programme's enrolments."),
            OpenApiParameter("cohort", int, description="Only this cohort's enrolments."),
            OpenApiParameter(
                "status", str, enum=Enrolment.Status.values, description="Only enrolments in this status."
            ),
            OpenApiParameter(
                "q", str, description="Words to find in the name, email address, department or job title."
            ),
        ]
    )
)
class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Enrolments: all of them for HR, the people they coach for coaches, their own for employees."""

    model = Enrolment
    serializer_class = EnrolmentSerializer

    def safely_filter_queryset(self, queryset):
        # The filters narrow the list; one enrolment named in the path is found whatever the query string.
        params = self.request.query_params if self.action == "list" else {}
        number = lambda name: int(params[name]) if params.get(name, "").isdigit() else None  # noqa: E731
        return selectors.enrolment_list(
            actor=self.actor,
            programme=number("programme"),
            cohort=number("cohort"),
            status=params.get("status"),
            search=params.get("q", "")[:100],
        ).filter(pk__in=queryset.values("pk"))

    def get_serializer_class(self):
        return EnrolmentDetailSerializer if self.action == "retrieve" else EnrolmentSerializer

    def retrieve(self, request, *args, **kwargs):
        """One enrolment with the history of its status."""
        enrolment = self.get_object()
        enrolment.history_events = selectors.enrolment_detail(actor=self.actor, pk=enrolment.pk).events
        return Response(self.get_serializer(enrolment).data)

    def _answer(self, enrolment_pk: int, code: int = status.HTTP_200_OK) -> Response:
        # Not get_queryset(): its list filters (e.g. ?status=) must not hide the row just changed. The
        # unfiltered list still brings the department and job title along.
        enrolment = policy.get_or_404(
            self.actor, Enrolment, selectors.enrolment_list(actor=self.actor), pk=enrolment_pk
        )
        return Response(EnrolmentSerializer(enrolment, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=EnrolmentAddSerializer,
        responses={
            201: EnrolmentSerializer,
            202: OpenApiResponse(
                InvitedResult, description="Not an employee here yet: invited by email, enrolled once they accept."
            ),
        },
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """HR: enrol one person (the same checks as a CSV file of one row). Someone who is not an
        employee here yet is invited by email and enrolled once they accept: the answer is then 202 with
        what was sent, the same whether or not the address has an account anywhere."""
        payload = EnrolmentAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        policy.require(self.actor, policy.HR_MANAGER)
        cohort = policy.get_or_404(self.actor, Cohort, pk=data.pop("cohort"))
        coach_id = data.pop("coach")
        coach = programme_selectors.coach_choices(actor=self.actor).filter(pk=coach_id).first() if coach_id else None
        if coach_id and coach is None:
            raise exceptions.ValidationError({"coach": [_("Choose someone who coaches in this organisation.")]})
        with service_errors():
            outcome = imports.enrolment_add(actor=self.actor, cohort=cohort, coach=coach, **data)
        if outcome.invited:
            return Response(
                {
                    "status": "invited",
                    "email": data["email"].strip().lower(),
                    "first_name": data["first_name"].strip(),
                    "last_name": data["last_name"].strip(),
                    "cohort": cohort.pk,
                },
                status=status.HTTP_202_ACCEPTED,
            )
        enrolment = selectors.enrolment_list(actor=self.actor, cohort=cohort.pk).get(
            employee__email=data["email"].lower()
        )
        return self._answer(enrolment.pk, status.HTTP_201_CREATED)

    @extend_schema(request=EnrolmentChangeSerializer, responses=EnrolmentSerializer)
    def partial_update(self, request, *args, **kwargs):
        """HR: move to another cohort of the programme, change the 1:1 coach or the credit allowance."""
        enrolment = self.get_object()
        payload = EnrolmentChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        policy.require(self.actor, policy.HR_MANAGER)
        cohort = policy.get_or_404(self.actor, Cohort, pk=data["cohort"]) if "cohort" in data else enrolment.cohort
        coach = enrolment.coach
        if "coach" in data:
            coach = (
                programme_selectors.coach_choices(actor=self.actor).filter(pk=data["coach"]).first()
                if data["coach"]
                else None
            )
            if data["coach"] and coach is None:
                raise exceptions.ValidationError({"coach": [_("Choose someone who coaches in this organisation.")]})
        with service_errors():
            services.enrolment_update(
                actor=self.actor,
                enrolment=enrolment,
                cohort=cohort,
                coach=coach,
                credit_allowance=data.get("credit_allowance", enrolment.credit_allowance),
            )
        return self._answer(enrolment.pk)

    @extend_schema(request=StatusSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request, pk=None):
        """HR: invited → active → completed, or withdrawn (and back to active); the change is recorded
        with who made it and when."""
        enrolment = self.get_object()
        payload = StatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            services.enrolment_status_change(
                actor=self.actor, enrolment=enrolment, to_status=payload.validated_data["status"]
            )
        return self._answer(enrolment.pk)

    @extend_schema(
        request={"multipart/form-data": ImportRequest},
        responses={
            200: ImportResult,
            400: OpenApiResponse(
                ImportErrors, description=("Nothing was imported; every problem found, each with its row and column.")
            ),
        },
    )
    @idempotent
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        """HR: enrol everyone in a CSV file (email, first name, last name, department, job title,
        manager email, cohort; optionally coach email and credits). All or nothing; importing the same
        file again changes nothing."""
        policy.require(self.actor, policy.HR_MANAGER)
        upload = request.FILES.get("file")
        if upload is None:
            # Answered here, not by raising ValidationError: DRF would turn the null row into "None".
            errors = [imports.missing_file_error().as_dict()]
            return Response(
                {"message": imports.outcome_message({}, errors=len(errors)), "errors": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        programme_id = str(request.data.get("programme", ""))
        programme = policy.get_or_404(self.actor, Programme, pk=programme_id) if programme_id else None
        job = imports.import_job_create(
            actor=self.actor, file_name=upload.name, programme=programme, data=upload.read(imports.max_bytes() + 1)
        )
        if job.status == EnrolmentImport.Status.QUEUED:
            job = imports.import_job_run(job_id=job.pk)
        message = imports.outcome_message(job.summary, errors=len(job.errors))
        if job.errors:
            return Response({"message": message, "errors": job.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"message": message, **job.summary})
