"""The webhooks API (HR only): endpoints, rotating their secret, the delivery log and "send again"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from webhooks import events, selectors, services
from webhooks.models import Attempt, Delivery, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=list(events.EVENTS)), allow_empty=False)
    enabled = serializers.BooleanField(required=False, default=True, write_only=True)

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "enabled",
            "status",
            "failing_since",
            "previous_secret_until",
            "created_at",
        ]
        read_only_fields = ["id", "status", "failing_since", "previous_secret_until", "created_at"]
        extra_kwargs = {"url": {"validators": []}}


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret: given out this once only.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class RotateSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(min_value=0, max_value=168, required=False, default=24)


class RotatedSerializer(serializers.Serializer):
    secret = serializers.CharField()
    previous_secret_until = serializers.DateTimeField()


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["started_at", "duration_ms", "status_code", "error", "response_body"]


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="message.webhook_id", read_only=True)
    event_type = serializers.CharField(source="message.event_type", read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "webhook_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "attempt_log",
        ]


class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    PolicyViewSet,
):
    """The organisation's webhook endpoints (HR managers)."""

    model = Endpoint
    roles = (policy.HR_MANAGER,)
    serializer_class = EndpointSerializer

    def safely_filter_queryset(self, queryset):
        return queryset.order_by("pk")

    @extend_schema(responses={201: EndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """Register an endpoint; the answer holds its signing secret, which is never shown again."""
        payload = EndpointSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with service_errors():
            endpoint, secret = services.endpoint_create(
                actor=self.actor, url=data["url"], events=data["events"], description=data.get("description", "")
            )
            if not data.get("enabled", True):
                services.endpoint_update(
                    actor=self.actor,
                    endpoint=endpoint,
                    url=endpoint.url,
                    events=endpoint.events,
                    description=endpoint.description,
                    enabled=False,
                )
        answer = EndpointCreatedSerializer(endpoint).data
        answer["secret"] = secret
        return Response(answer, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """Change an endpoint's URL, events, description or whether it is enabled (false: paused)."""
        endpoint = self.get_object()
        partial = kwargs.get("partial", False)
        payload = EndpointSerializer(endpoint, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with service_errors():
            services.endpoint_update(
                actor=self.actor,
                endpoint=endpoint,
                url=data.get("url", endpoint.url),
                events=data.get("events", endpoint.events),
                description=data.get("description", endpoint.description),
                enabled=data.get("enabled", endpoint.status == Endpoint.Status.ACTIVE if partial else True),
            )
        return Response(EndpointSerializer(endpoint).data)

    def perform_destroy(self, instance):
        services.endpoint_delete(actor=self.actor, endpoint=instance)

    @extend_schema(request=RotateSerializer, responses={200: RotatedSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret (shown this once); the old one keeps signing beside it for `overlap_hours`."""
        endpoint = self.get_object()
        payload = RotateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            secret = services.endpoint_secret_rotate(
                actor=self.actor, endpoint=endpoint, overlap_hours=payload.validated_data["overlap_hours"]
            )
        return Response({"secret": secret, "previous_secret_until": endpoint.previous_secret_until})

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's latest deliveries, newest first, with every attempt."""
        endpoint = self.get_object()
        log = selectors.delivery_log(actor=self.actor, endpoint=endpoint)
        return Response(DeliverySerializer(log, many=True).data)


class DeliveryViewSet(mixins.RetrieveModelMixin, PolicyViewSet):
    """One delivery of an event to an endpoint, with its attempts."""

    model = Delivery
    roles = (policy.HR_MANAGER,)
    serializer_class = DeliverySerializer

    def safely_filter_queryset(self, queryset):
        return queryset.select_related("message").prefetch_related("attempt_log")

    @extend_schema(request=None, responses={200: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Send the event again, under the same webhook-id, with a fresh round of attempts."""
        delivery = services.delivery_resend(actor=self.actor, delivery=self.get_object())
        return Response(DeliverySerializer(delivery).data)
