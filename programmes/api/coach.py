"""The coach's workspace on the public host: every organisation they coach in at once. The coming
sessions they lead, the urgent requests still waiting for them and the hours delivered per month, from
the same selector as the workspace page (each organisation read through the policy in its own schema);
and answering an urgent request "seen". Slots and their offers are the availability API's, on any of the
coach's organisation hosts (a slot lives outside the organisations and names those that may book it)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from portal import policy
from portal.api import actor_of, service_errors
from portal.authentication import PersonTokenAuthentication
from programmes.selectors import coach as coach_selectors
from programmes.selectors import sessions as session_selectors
from programmes.selectors.coach import WORKSPACE_WEEKS, places_of
from programmes.services.urgent import urgent_request_acknowledge


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    slug = serializers.CharField()
    name = serializers.CharField()


class UpcomingSessionSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    mode = serializers.CharField()
    cohort = serializers.CharField()
    employee = serializers.CharField(help_text="A 1:1's employee; empty for a group session.")
    participants = serializers.IntegerField()


class PendingRequestSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    id = serializers.IntegerField(source="pk")
    employee = serializers.CharField()
    email = serializers.EmailField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class MonthHoursSerializer(serializers.Serializer):
    month = serializers.DateField()
    hours = serializers.FloatField()
    sessions = serializers.IntegerField()


class HoursRowSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    months = MonthHoursSerializer(many=True)
    total_hours = serializers.FloatField()


class WorkspaceSerializer(serializers.Serializer):
    organisations = OrganisationRefSerializer(many=True)
    until = serializers.DateTimeField(help_text="The coming sessions are those before this moment.")
    upcoming = UpcomingSessionSerializer(many=True)
    pending = PendingRequestSerializer(many=True)
    hours = HoursRowSerializer(many=True)


class UrgentSeenSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="The organisation's slug.")
    id = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField()


class CoachWorkspaceViewSet(viewsets.ViewSet):
    """The coach's own workspace, on the public host (a session, or a token standing for its person)."""

    authentication_classes = [PersonTokenAuthentication, SessionAuthentication]

    def _user(self):
        return actor_of(self.request).user

    @extend_schema(
        tags=["coach"],
        summary="Read my workspace across organisations",
        parameters=[OpenApiParameter("weeks", int, enum=list(WORKSPACE_WEEKS), description="How far ahead; 2.")],
        responses=WorkspaceSerializer,
    )
    def retrieve(self, request, *args, **kwargs):
        """Coming sessions, urgent requests waiting and hours delivered in the last six months, in every
        organisation where you coach (empty lists where you coach nowhere)."""
        raw = request.query_params.get("weeks", "2")
        if not raw.isdigit() or int(raw) not in WORKSPACE_WEEKS:
            raise exceptions.ValidationError(
                {"weeks": [_("Choose one of: %(weeks)s.") % {"weeks": ", ".join(map(str, WORKSPACE_WEEKS))}]}
            )
        workspace = coach_selectors.coach_workspace(user=self._user(), weeks=int(raw))
        data = {
            "organisations": [place.organisation for place in workspace.places],
            "until": workspace.until,
            "upcoming": workspace.upcoming,
            "pending": workspace.pending,
            "hours": [
                {
                    "organisation": row.organisation,
                    "months": row.cells(workspace.months),
                    "total_hours": row.total_hours,
                }
                for row in workspace.hours
            ],
        }
        return Response(WorkspaceSerializer(data).data)

    @extend_schema(
        tags=["coach"],
        summary="Answer an urgent request: seen, I will get in touch",
        request=None,
        responses=UrgentSeenSerializer,
    )
    def acknowledge(self, request, slug=None, pk=None):
        """The employee is told that you will get in touch. Only a request made to you, in an organisation
        where you coach; any other is the ordinary 404."""
        user = self._user()
        place = next((p for p in places_of(user=user, role=policy.COACH) if p.organisation.slug == slug), None)
        if place is None:
            raise exceptions.NotFound(policy.NOT_FOUND)
        with tenant_context(place.organisation):
            actor = place.actor(user)
            with service_errors():
                try:
                    urgent = session_selectors.urgent_request_to_me(actor=actor, pk=pk)
                except Http404:
                    raise exceptions.NotFound(policy.NOT_FOUND) from None
                seen = urgent_request_acknowledge(actor=actor, request=urgent)
        return Response(
            UrgentSeenSerializer({"organisation": slug, "id": seen.pk, "acknowledged_at": seen.acknowledged_at}).data
        )
