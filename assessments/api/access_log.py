"""`GET /api/v1/me/access-log/`: who opened the caller's results, reflections and goals, and when."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view
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
        return {"id": entry.reader_id, "name": entry.reader.get_full_name() or entry.reader.email,
                "role": entry.reader_role}


@extend_schema(responses=AccessLogEntrySerializer(many=True))
@api_view(["GET"])
def access_log(request: Request) -> Response:
    """Every time someone other than you opened your results, answers, reflections or goals; newest first.
    `?kind=result|answers|reflection|goal` narrows it. Who, what and when: never the content."""
    actor = actor_of(request)
    if not actor.is_employee:
        raise exceptions.NotFound(policy.NOT_FOUND)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(access_log_rows(actor=actor, kind=request.query_params.get("kind")),
                                       request)
    return paginator.get_paginated_response(AccessLogEntrySerializer(page, many=True).data)
