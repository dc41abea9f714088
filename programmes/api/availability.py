"""The availability API: a coach's free time, booking it, and private calendar feeds.

An employee lists the free slots of their own coach that are open to their organisation and books one
(201 with the new session; 409 with what to do when it was taken meanwhile or no credit is left). A coach
lists their own slots, publishes one and withdraws a free one.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet
from programmes.api.sessions import (REFUSED, MeetingSerializer, SessionConflict, SessionPersonSerializer,
                                     SessionSerializer, service_errors)
from programmes.availability import services as availability
from programmes.availability.models import CalendarFeed, Slot
from programmes.availability.selectors import free_slots
from programmes.selectors.coach import places_of
from programmes.services import calendar as calendar_services
from programmes.services.booking import slot_book
from programmes.services.sessions import SessionRefused


class SlotSerializer(serializers.ModelSerializer):
    coach = SessionPersonSerializer(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    is_booked = serializers.BooleanField(read_only=True)
    booked_here = serializers.SerializerMethodField()

    class Meta:
        model = Slot
        fields = ["id", "coach", "starts_at", "ends_at", "duration_minutes", "mode", "location", "video_url",
                  "dial_in", "is_booked", "booked_here"]
        read_only_fields = fields

    def get_booked_here(self, slot) -> bool:
        """Booked by this organisation (a coach sees that a time is taken elsewhere, not by whom)."""
        organisation = self.context.get("organisation")
        return organisation is not None and slot.booked_organisation_id == organisation.pk


class SlotCreateSerializer(MeetingSerializer):
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.ChoiceField(choices=availability.SLOT_LENGTHS, default=60)
    only_here = serializers.BooleanField(default=False, help_text="Offer it to this organisation only "
                                                                  "(otherwise: every organisation you coach for).")


class AvailabilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.DestroyModelMixin, PolicyViewSet):
    """Employees: the coming free slots of their coach open to this organisation. Coaches: their own
    coming slots (free, booked here, or taken elsewhere)."""

    model = Slot
    roles = (policy.EMPLOYEE, policy.COACH)
    serializer_class = SlotSerializer

    def _as_coach(self) -> bool:
        return self.actor.is_coach and not self.actor.is_employee

    def safely_filter_queryset(self, queryset):
        if self.action in ("book",):
            return queryset
        if self.action == "destroy" or self._as_coach():
            return (queryset.filter(coach_id=self.actor.user_id, ends_at__gt=timezone.now())
                    .select_related("coach").order_by("starts_at", "pk"))
        return free_slots(actor=self.actor).filter(pk__in=queryset.values("pk"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation": self.actor.organisation}

    @extend_schema(request=SlotCreateSerializer, responses={201: SlotSerializer})
    def create(self, request, *args, **kwargs):
        """A coach publishes one free slot."""
        if not self.actor.is_coach:
            raise exceptions.NotFound(policy.NOT_FOUND)
        payload = SlotCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        start = timezone.localtime(data["starts_at"])
        end = start + timedelta(minutes=data["duration_minutes"])
        if end.date() != start.date():
            raise exceptions.ValidationError({"starts_at": [_("A slot starts and ends on the same day.")]})
        places = places_of(user=self.actor.user, role=policy.COACH)
        with service_errors():
            slots = availability.slots_publish(
                coach=self.actor.user, first_day=start.date(), start=start.time(), end=end.time(),
                length_minutes=data["duration_minutes"], repeat_weeks=0, meeting=payload.meeting(),
                organisations=[self.actor.organisation] if data["only_here"] else [],
                allowed=[place.organisation for place in places])
        return Response(self.get_serializer(slots[0]).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 409: REFUSED})
    def destroy(self, request, *args, **kwargs):
        """A coach withdraws a free slot; a booked one stays (cancel its session instead)."""
        slot = self.get_object()
        try:
            availability.slot_withdraw(coach=self.actor.user, slot=slot)
        except DjangoValidationError as error:
            raise SessionConflict({"detail": " ".join(error.messages), "code": "booked"}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: SessionSerializer, 403: REFUSED, 409: REFUSED})
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        """Book this slot as a 1:1 with your coach; it spends one credit. 409 when the slot was taken in the
        meantime, no credit is left, the coaching agreement is not accepted yet (`code` "agreement_required",
        with `agreement_url`, the page to read and accept it) or you have another session then."""
        if not self.actor.is_employee:
            raise exceptions.NotFound(policy.NOT_FOUND)
        try:
            slot_id = int(pk)
        except (TypeError, ValueError):
            raise exceptions.NotFound(policy.NOT_FOUND) from None
        with service_errors():
            try:
                session = slot_book(actor=self.actor, slot_id=slot_id)
            except Http404:
                raise exceptions.NotFound(policy.NOT_FOUND) from None
            except SessionRefused as refused:
                if refused.code != "agreement_required":
                    raise
                # Say where the agreement is, in the words and as a field a client can link to.
                url = request.build_absolute_uri(reverse("agreement"))
                raise SessionConflict({"detail": _("%(reason)s The agreement is at %(url)s") % {
                    "reason": refused.message, "url": url}, "code": refused.code, "agreement_url": url}) from None
        return Response(SessionSerializer(session, context={"actor": self.actor}).data,
                        status=status.HTTP_201_CREATED)


# --- calendar feeds ---------------------------------------------------------------------------------

class CalendarFeedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CalendarFeed
        fields = ["id", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, feed) -> str:
        return calendar_services.calendar_feed_url(feed, request=self.context.get("request"))


class CalendarFeedViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
                          PolicyViewSet):
    """Your private calendar feed address (a coach's covers every organisation). Creating one retires
    the previous address; deleting stops it."""

    model = CalendarFeed
    serializer_class = CalendarFeedSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.filter(revoked_at__isnull=True).order_by("-created_at")

    @extend_schema(request=None, responses={201: CalendarFeedSerializer})
    def create(self, request, *args, **kwargs):
        feed = calendar_services.calendar_feed_renew(user=self.actor.user)
        return Response(self.get_serializer(feed).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        calendar_services.calendar_feed_revoke(user=self.actor.user, feed=instance)
