"""Webhooks: HR managers of the organisation only, on pages and in the API."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from portal import policy
from tests.access import Case, api, only
from webhooks import events, services
from webhooks.models import Delivery, Endpoint, Message


def _endpoint(world, org_key: str) -> Endpoint:
    org = world.org(org_key)
    with tenant_context(org.organisation):
        endpoint = Endpoint.objects.filter(description="access matrix").first()
        if endpoint is None:
            endpoint, _secret = services.endpoint_create(
                actor=policy.actor_for(org.hr, org.organisation),
                url="http://127.0.0.1:9/hooks",
                events=[events.SESSION_BOOKED],
                description="access matrix",
            )
        return endpoint


def _delivery(world, org_key: str) -> Delivery:
    endpoint = _endpoint(world, org_key)
    with tenant_context(world.org(org_key).organisation):
        delivery = Delivery.objects.filter(endpoint=endpoint).first()
        if delivery is None:
            message = Message.objects.create(
                event_type=events.SESSION_BOOKED, body="{}", created_at=endpoint.created_at
            )
            delivery = Delivery.objects.create(message=message, endpoint=endpoint, status=Delivery.Status.DELIVERED)
        return delivery


def endpoint_pk(world, org_key: str) -> dict:
    return {"pk": _endpoint(world, org_key).pk}


def delivery_pk(world, org_key: str) -> dict:
    return {"pk": _delivery(world, org_key).pk}


def _endpoint_data(world, org_key: str) -> dict:
    return {"url": "http://127.0.0.1:9/other", "events": [events.SESSION_MOVED]}


CASES = [
    Case("webhooks", only("hr")),
    Case(
        "webhooks",
        only("hr", 201),
        method="post",
        data={"url": "http://127.0.0.1:9/new", "events": [events.SESSION_BOOKED]},
    ),
    Case("webhook_endpoint", only("hr"), kwargs=endpoint_pk),
    Case(
        "webhook_endpoint",
        only("hr", 302),
        method="post",
        kwargs=endpoint_pk,
        data={"url": "http://127.0.0.1:9/hooks", "events": [events.SESSION_BOOKED], "enabled": "on"},
    ),
    Case("webhook_endpoint_rotate", only("hr"), method="post", kwargs=endpoint_pk, data={"rotate-overlap_hours": "1"}),
    Case("webhook_endpoint_delete", only("hr", 302), method="post", kwargs=endpoint_pk),
    Case("webhook_delivery_resend", only("hr", 302), method="post", kwargs=delivery_pk),
    # API
    Case("api_webhook_endpoint-list", api("hr")),
    Case(
        "api_webhook_endpoint-list",
        api("hr", 201),
        method="post",
        data=_endpoint_data,
        content_type="application/json",
    ),
    Case("api_webhook_endpoint-detail", api("hr"), kwargs=endpoint_pk),
    Case(
        "api_webhook_endpoint-detail",
        api("hr"),
        method="patch",
        kwargs=endpoint_pk,
        data={"description": "access matrix"},
        content_type="application/json",
    ),
    Case(
        "api_webhook_endpoint-detail",
        api("hr"),
        method="put",
        kwargs=endpoint_pk,
        data={"url": "http://127.0.0.1:9/hooks", "events": [events.SESSION_BOOKED], "description": "access matrix"},
        content_type="application/json",
    ),
    Case("api_webhook_endpoint-detail", api("hr", 204), method="delete", kwargs=endpoint_pk),
    Case(
        "api_webhook_endpoint-rotate-secret",
        api("hr"),
        method="post",
        kwargs=endpoint_pk,
        data={"overlap_hours": 1},
        content_type="application/json",
    ),
    Case("api_webhook_endpoint-deliveries", api("hr"), kwargs=endpoint_pk),
    Case("api_webhook_delivery-detail", api("hr"), kwargs=delivery_pk),
    Case("api_webhook_delivery-resend", api("hr"), method="post", kwargs=delivery_pk),
]
