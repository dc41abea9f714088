"""The availability API: a coach's free time, booking it, and private calendar feeds.

An employee lists the free slots of their own coach that are offered to their organisation and books one
(201 with the new session; 409 with what to do when it was taken meanwhile or no credit is left). A coach
lists their own slots, publishes one, chooses which of the organisations they serve may book which slot
(one at a time, several at once, and a default for new ones) and withdraws a free one.

Organisations are named by id. Only those the coach serves may be named: any other id, of an organisation
that exists or not, gets the same 400 on `organisations` and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policy
from portal.api import Conflict, PolicyViewSet, service_errors
from portal.idempotency import idempotent
from programmes.api.sessions import REFUSED, MeetingSerializer, SessionPersonSerializer, SessionSerializer
from programmes.availability import calendars as own_calendars
from programmes.availability import services as availability
from programmes.availability.fetch import FetchRefused
from programmes.availability.models import CalendarFeed, OfferDefault, Slot
from programmes.availability.selectors import free_slots, offer_default, offer_default_organisations
from programmes.selectors.coach import places_of
from programmes.services import calendar as calendar_services
from programmes.services.booking import SERIES_EVERY_WEEKS, SERIES_MOST, series_book, slot_book
from programmes.services.sessions import SessionRefused
from tenants.models import Membership, Organisation, Role


class SlotSerializer(serializers.ModelSerializer):
    coach = SessionPersonSerializer(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    is_booked = serializers.BooleanField(read_only=True)
    booked_here = serializers.SerializerMethodField()

    class Meta:
        model = Slot
        fields = [
            "id",
            "coach",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "mode",
            "location",
            "video_url",
            "dial_in",
            "is_booked",
            "booked_here",
        ]
        read_only_fields = fields

    def get_booked_here(self, slot) -> bool:
        """Booked by this organisation (a coach sees that a time is taken elsewhere, not by whom)."""
        organisation = self.context.get("organisation")
        return organisation is not None and slot.booked_organisation_id == organisation.pk


class OwnSlotSerializer(SlotSerializer):
    """A coach's own slot as seen from one organisation: which of the organisations they serve may book
    it, and the join details (location, video link, dial-in) only where this organisation may book it or
    booked it (time offered or held elsewhere shows its time and mode, nothing more)."""

    organisations = serializers.SerializerMethodField()
    offered_here = serializers.BooleanField(read_only=True)

    class Meta(SlotSerializer.Meta):
        fields = SlotSerializer.Meta.fields + ["organisations", "offered_here"]
        read_only_fields = fields

    def get_organisations(self, slot) -> list[int]:
        return [organisation.pk for organisation in slot.organisations.all()]

    def to_representation(self, slot):
        data = super().to_representation(slot)
        if not (data["offered_here"] or data["booked_here"]):
            data.update(location="", video_url="", dial_in="")
        return data


ORGANISATIONS_HELP = "Ids of organisations you coach for."


class SlotCreateSerializer(MeetingSerializer):
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.ChoiceField(choices=availability.SLOT_LENGTHS, default=60)
    organisations = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=1000,
        help_text=f"Who may book it. {ORGANISATIONS_HELP} Left out: your default (see offer-default).",
    )
    only_here = serializers.BooleanField(
        default=False, help_text="Offer it to this organisation only (instead of `organisations`)."
    )


class SlotOfferSerializer(serializers.Serializer):
    organisations = serializers.ListField(
        child=serializers.IntegerField(),
        max_length=1000,
        help_text=f"Exactly these may book it (none: no one). {ORGANISATIONS_HELP}",
    )


class SlotsOfferSerializer(serializers.Serializer):
    slots = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=1000, help_text="Ids of your own coming free slots."
    )
    organisations = serializers.ListField(
        child=serializers.IntegerField(), max_length=1000, help_text=ORGANISATIONS_HELP
    )
    how = serializers.ChoiceField(
        choices=[availability.SET, availability.ADD, availability.REMOVE],
        default=availability.ADD,
        help_text="set: exactly these; add: these too; remove: these no longer.",
    )


class OfferDefaultSerializer(serializers.Serializer):
    offer_to = serializers.ChoiceField(choices=OfferDefault.To.choices)
    organisations = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        max_length=1000,
        help_text=f"With `chosen`. {ORGANISATIONS_HELP}",
    )


class SeriesSerializer(serializers.Serializer):
    every_weeks = serializers.ChoiceField(choices=SERIES_EVERY_WEEKS, help_text="Weeks between two sessions.")
    count = serializers.IntegerField(min_value=2, max_value=SERIES_MOST, help_text="How many sessions in all.")


class OwnCalendarSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        help_text="The private iCalendar address (https, http or webcal) of your own calendar; blank: none.",
    )
    checked_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="The last reading.")
    fetched_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="The last good reading.")
    error = serializers.CharField(read_only=True, help_text="Why the last reading failed; blank when it did not.")


class AvailabilityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PolicyViewSet
):
    """Employees: the coming free slots of their coach offered to this organisation. Coaches: their own
    coming slots (free, booked here, or taken elsewhere), with who may book each."""

    model = Slot
    roles = (policy.EMPLOYEE, policy.COACH)
    serializer_class = SlotSerializer
    COACH_ACTIONS = ("create", "destroy", "partial_update", "offer", "default", "own_calendar")

    def _as_coach(self) -> bool:
        """Whether the rows are the actor's own slots: a coach's, or anyone's on a coach-only action (an
        employee who also coaches here books from the free slots of their own coach otherwise)."""
        return self.action in self.COACH_ACTIONS or (self.actor.is_coach and not self.actor.is_employee)

    def safely_filter_queryset(self, queryset):
        if self.action in ("book",):
            return queryset
        if self._as_coach():
            return self._own(queryset)
        return free_slots(actor=self.actor).filter(pk__in=queryset.values("pk"))

    def _own(self, queryset):
        """The actor's own coming slots, each with whether it is offered here and (of the organisations
        it is offered to) those the coach serves now: one query for the slots, one for the organisations."""
        served = Organisation.objects.filter(
            Exists(
                Membership.objects.filter(
                    organisation_id=OuterRef("pk"), user_id=self.actor.user_id, role=Role.COACH, is_active=True
                )
            )
        )
        return (
            policy.scope(self.actor, Slot, queryset)
            .filter(coach_id=self.actor.user_id, ends_at__gt=timezone.now())
            .annotate(
                offered_here=Exists(
                    Slot.organisations.through.objects.filter(
                        slot_id=OuterRef("pk"), organisation_id=self.actor.organisation.pk
                    )
                )
            )
            .prefetch_related(Prefetch("organisations", queryset=served.only("pk").order_by("pk")))
            .select_related("coach")
            .order_by("starts_at", "pk")
        )

    def get_serializer_class(self):
        return OwnSlotSerializer if self._as_coach() else SlotSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation": self.actor.organisation}

    def _require_coach(self) -> None:
        if not self.actor.is_coach:
            raise exceptions.NotFound(policy.NOT_FOUND)

    def _served(self) -> list[Organisation]:
        return [place.organisation for place in places_of(user=self.actor.user, role=policy.COACH)]

    @staticmethod
    def _named(ids: list[int], served: list[Organisation]) -> list[Organisation]:
        """The organisations `ids` name. An id of none the coach serves becomes a stand-in that the service
        refuses with its one message: the database is never asked whether it exists."""
        by_id = {organisation.pk: organisation for organisation in served}
        return [by_id.get(pk) or Organisation(pk=pk) for pk in dict.fromkeys(ids)]

    def _own_slot(self, slot: Slot) -> Slot:
        return self._own(Slot.objects.all()).get(pk=slot.pk)

    @extend_schema(request=SlotCreateSerializer, responses={201: OwnSlotSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """A coach publishes one free slot, offered to `organisations` (left out: their default)."""
        self._require_coach()
        payload = SlotCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        start = timezone.localtime(data["starts_at"])
        end = start + timedelta(minutes=data["duration_minutes"])
        if end.date() != start.date():
            raise exceptions.ValidationError({"starts_at": [_("A slot starts and ends on the same day.")]})
        served = self._served()
        if data["only_here"]:
            organisations = [self.actor.organisation]
        elif "organisations" in data:
            organisations = self._named(data["organisations"], served)
        else:
            organisations = offer_default_organisations(default=offer_default(actor=self.actor), served=served)
        with service_errors(SessionRefused):
            slots = availability.slots_publish(
                coach=self.actor.user,
                first_day=start.date(),
                start=start.time(),
                end=end.time(),
                length_minutes=data["duration_minutes"],
                repeat_weeks=0,
                meeting=payload.meeting(),
                organisations=organisations,
                allowed=served,
            )
        return Response(self.get_serializer(self._own_slot(slots[0])).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SlotOfferSerializer, responses={200: OwnSlotSerializer})
    def partial_update(self, request, *args, **kwargs):
        """A coach chooses which of the organisations they serve may book this free slot."""
        self._require_coach()
        slot = self.get_object()
        payload = SlotOfferSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        served = self._served()
        with service_errors(SessionRefused):
            changed = availability.slots_offer(
                coach=self.actor.user,
                slot_ids=[slot.pk],
                allowed=served,
                organisations=self._named(payload.validated_data["organisations"], served),
            )
        if not changed:
            raise exceptions.ValidationError(
                {"detail": [_("This time is held for a session you planned; it is not offered for booking.")]}
            )
        return Response(self.get_serializer(self._own_slot(slot)).data)

    @extend_schema(request=SlotsOfferSerializer, responses={200: OwnSlotSerializer(many=True)})
    @action(detail=False, methods=["post"], pagination_class=None)
    def offer(self, request):
        """A coach offers several of their free slots to some organisations too (`how` add), no longer
        (remove), or to exactly these (set). Every slot named must be one of their own coming free slots."""
        self._require_coach()
        payload = SlotsOfferSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        wanted = set(data["slots"])
        own = self._own(Slot.objects.all()).filter(pk__in=wanted, is_offered=True)
        if own.count() != len(wanted):
            raise exceptions.ValidationError({"slots": [_("Choose among your own coming free times.")]})
        served = self._served()
        with service_errors(SessionRefused):
            slots = availability.slots_offer(
                coach=self.actor.user,
                slot_ids=list(wanted),
                how=data["how"],
                organisations=self._named(data["organisations"], served),
                allowed=served,
            )
        changed = self._own(Slot.objects.all()).filter(pk__in=[slot.pk for slot in slots])
        return Response(OwnSlotSerializer(changed, many=True, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], request=None, responses={200: OfferDefaultSerializer})
    @extend_schema(methods=["PUT"], request=OfferDefaultSerializer, responses={200: OfferDefaultSerializer})
    @action(
        detail=False, methods=["get", "put"], url_path="offer-default", url_name="offer-default", pagination_class=None
    )
    def default(self, request):
        """Who may book the free time a coach publishes from now on (unless they name `organisations`):
        `all` the organisations they serve at that moment, or the `chosen` ones."""
        self._require_coach()
        if request.method == "PUT":
            payload = OfferDefaultSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            served = self._served()
            with service_errors(SessionRefused):
                availability.offer_default_set(
                    coach=self.actor.user,
                    offer_to=payload.validated_data["offer_to"],
                    allowed=served,
                    organisations=self._named(payload.validated_data["organisations"], served),
                )
        default = offer_default(actor=self.actor)
        return Response({"offer_to": default.offer_to, "organisations": sorted(default.chosen_ids)})

    @extend_schema(responses={204: None, 409: REFUSED})
    def destroy(self, request, *args, **kwargs):
        """A coach withdraws a free slot; a booked one stays (cancel its session instead)."""
        self._require_coach()
        slot = self.get_object()
        try:
            availability.slot_withdraw(coach=self.actor.user, slot=slot)
        except DjangoValidationError as error:
            raise Conflict({"detail": " ".join(error.messages), "code": "booked"}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses={200: OwnCalendarSerializer})
    @extend_schema(methods=["PUT"], request=OwnCalendarSerializer, responses={200: OwnCalendarSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(
        detail=False,
        methods=["get", "put", "delete"],
        url_path="own-calendar",
        url_name="own-calendar",
        pagination_class=None,
    )
    def own_calendar(self, request):
        """A coach's own calendar, which the portal reads every 15 minutes: times busy there are offered in
        no organisation. PUT an address to connect it (400 on `url` when it may not be fetched: see
        docs/API.md), DELETE to stop."""
        self._require_coach()
        coach = self.actor.user
        if request.method == "DELETE":
            own_calendars.external_calendar_remove(coach=coach)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PUT":
            payload = OwnCalendarSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            if not payload.validated_data["url"].strip():
                own_calendars.external_calendar_remove(coach=coach)
            else:
                try:
                    own_calendars.external_calendar_set(coach=coach, url=payload.validated_data["url"])
                except FetchRefused as refused:
                    raise exceptions.ValidationError({"url": [refused.message]}) from None
        calendar = own_calendars.external_calendar_of(coach=coach)
        if calendar is None:
            return Response({"url": "", "checked_at": None, "fetched_at": None, "error": ""})
        return Response(OwnCalendarSerializer(calendar).data)

    @extend_schema(request=None, responses={201: SessionSerializer, 403: REFUSED, 409: REFUSED})
    @idempotent
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
        with service_errors(SessionRefused):
            try:
                session = slot_book(actor=self.actor, slot_id=slot_id)
            except Http404:
                raise exceptions.NotFound(policy.NOT_FOUND) from None
            except SessionRefused as refused:
                if refused.code != "agreement_required":
                    raise
                # Say where the agreement is, in the words and as a field a client can link to.
                enrolment_id = getattr(refused, "enrolment_id", None)
                page = reverse("enrolment_agreement", args=[enrolment_id]) if enrolment_id else reverse("agreement")
                url = request.build_absolute_uri(page)
                raise Conflict(
                    {
                        "detail": _("%(reason)s The agreement is at %(url)s") % {"reason": refused.message, "url": url},
                        "code": refused.code,
                        "agreement_url": url,
                    }
                ) from None
        return Response(SessionSerializer(session, context={"actor": self.actor}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SeriesSerializer, responses={201: SessionSerializer(many=True), 403: REFUSED, 409: REFUSED})
    @action(detail=True, methods=["post"], url_path="book-series", url_name="book-series", pagination_class=None)
    def book_series(self, request, pk=None):
        """Book this slot's time as a series: every `every_weeks` weeks, `count` sessions, each in a free
        slot of your coach at the same time, more than the notice period ahead, one credit each. All or
        nothing: 409 with `detail` naming the first date that fails (and `code`), and nothing is booked."""
        if not self.actor.is_employee:
            raise exceptions.NotFound(policy.NOT_FOUND)
        try:
            slot_id = int(pk)
        except (TypeError, ValueError):
            raise exceptions.NotFound(policy.NOT_FOUND) from None
        payload = SeriesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors(SessionRefused):
            sessions = series_book(actor=self.actor, slot_id=slot_id, **payload.validated_data)
        return Response(
            SessionSerializer(sessions, many=True, context={"actor": self.actor}).data, status=status.HTTP_201_CREATED
        )


# --- calendar feeds ---------------------------------------------------------------------------------


class CalendarFeedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CalendarFeed
        fields = ["id", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, feed) -> str:
        return calendar_services.calendar_feed_url(feed, request=self.context.get("request"))


class CalendarFeedViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PolicyViewSet):
    """Your private calendar feed address (a coach's covers every organisation). Creating one retires
    the previous address; deleting stops it."""

    model = CalendarFeed
    serializer_class = CalendarFeedSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.filter(revoked_at__isnull=True).order_by("-created_at")

    @extend_schema(request=None, responses={201: CalendarFeedSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        feed = calendar_services.calendar_feed_renew(user=self.actor.user)
        return Response(self.get_serializer(feed).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        calendar_services.calendar_feed_revoke(user=self.actor.user, feed=instance)
