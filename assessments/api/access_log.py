"""`GET /api/v1/me/access-log/`: who opened the caller's results, reflections and goals, and when.

The answer is paginated like every list of the API (`count`, `next`, `previous`, `results`); a generic
view rather than a function, so the schema says so too.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models.journal import AccessLogEntry
from assessments.selectors.access_log import access_log as access_log_rows
from portal import policy
from portal.api import actor_of


class AccessLogEntrySerializer(serializers.ModelSerializer):
    reader = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = AccessLogEntry
        fields = ["id", "reader", "kind", "kind_label", "object_id", "at"]

    def get_reader(self, entry) -> dict:
        return {
            "id": entry.reader_id,
            "name": entry.reader.get_full_name() or entry.reader.email,
            "role": entry.reader_role,
        }


class AccessLogView(generics.GenericAPIView):
    serializer_class = AccessLogEntrySerializer
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="me_access_log_list",
        responses=AccessLogEntrySerializer(many=True),
        parameters=[
            OpenApiParameter("kind", str, enum=AccessLogEntry.Kind.values, description="Only reads of this kind.")
        ],
    )
    def get(self, request: Request) -> Response:
        """Every time someone other than you opened your results, answers, reflections or goals; newest first.
        `?kind=` one of the kinds narrows it. Who, what and when: never the content."""
        actor = actor_of(request)
        if not actor.is_employee:
            raise exceptions.NotFound(policy.NOT_FOUND)
        page = self.paginate_queryset(access_log_rows(actor=actor, kind=request.query_params.get("kind")))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


access_log = AccessLogView.as_view()
