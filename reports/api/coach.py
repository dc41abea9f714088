"""A coach's delivered sessions and hours per month in this organisation (the coach's report page's
figures; the same selector), with late cancellations of 1:1s, which contracts often bill."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet
from programmes.models import Session
from reports.selectors import coach as coach_selectors


class CoachMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    group_sessions = serializers.IntegerField()
    individual_sessions = serializers.IntegerField()
    sessions = serializers.IntegerField()
    hours = serializers.FloatField()
    late_cancellations = serializers.IntegerField()


class CoachHoursSerializer(serializers.Serializer):
    first_month = serializers.DateField(source="period.first")
    last_month = serializers.DateField(source="period.last")
    months = CoachMonthSerializer(many=True)
    totals = CoachMonthSerializer()


@extend_schema(tags=["reports"])
class CoachHoursViewSet(PolicyViewSet):
    """Coaches: their own sessions here."""

    model = Session
    roles = (policy.COACH,)
    serializer_class = CoachHoursSerializer
    pagination_class = None

    @extend_schema(
        summary="Read my hours per month here",
        parameters=[
            OpenApiParameter("from", str, description="The first month, YYYY-MM (by default 11 months before `to`)."),
            OpenApiParameter("to", str, description="The last month, YYYY-MM (by default this month); at most 24."),
        ],
    )
    def retrieve(self, request, *args, **kwargs):
        period, problems = coach_selectors.period_from(request.query_params)
        if problems:
            raise exceptions.ValidationError({"detail": problems})
        report = coach_selectors.coach_report(actor=self.actor, period=period, with_sessions=False)
        return Response(CoachHoursSerializer(report).data)
