"""Background work of webhooks. What is due for an endpoint is sent by `endpoint_deliveries_send`, in batches
over one connection each, queued after the commit that wrote the deliveries (portal.tasks.enqueue_after_commit,
so it runs in its organisation's schema); every minute `deliveries_due_all` queues `deliveries_due` in every
organisation (portal.tasks.each_organisation_queue), which queues a send for every endpoint with something
due: retries, and anything a lost worker left. `delivery_send` sends one delivery ("send again")."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from portal.celery import app
from portal.tasks import each_organisation_queue, each_organisation_run
from tenants.models import Membership, Role
from tenants.services import organisation_url
from webhooks import services
from webhooks.models import Endpoint


@app.task(name="webhooks.delivery_send")
def delivery_send(delivery_id: int) -> bool:
    return services.delivery_attempt(delivery_id=delivery_id) is not None


@app.task(name="webhooks.endpoint_deliveries_send")
def endpoint_deliveries_send(endpoint_id: int) -> int:
    return services.endpoint_deliveries_send(endpoint_id=endpoint_id)


@app.task(name="webhooks.deliveries_due")
def deliveries_due(endpoint_id: int | None = None) -> int:
    if endpoint_id is not None:  # as queued by earlier versions: that endpoint's send
        return services.endpoint_deliveries_send(endpoint_id=endpoint_id)
    return services.deliveries_due_send()


@app.task(name="webhooks.deliveries_due_all")
def deliveries_due_all() -> int:
    return each_organisation_queue(deliveries_due)


@app.task(name="webhooks.log_prune_all")
def log_prune_all() -> dict:
    """Every night: each organisation's delivery log loses what is older than a month and finished."""
    return each_organisation_run(lambda organisation: services.log_prune(), failure="Pruning webhooks in %s failed")


@app.task(name="webhooks.endpoint_disabled_notify")
def endpoint_disabled_notify(endpoint_id: int) -> int:
    """Tell the organisation's HR managers that an endpoint was disabled after failing for days."""
    organisation = connection.tenant
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return 0
    managers = Membership.objects.filter(
        organisation=organisation, role=Role.HR_MANAGER, is_active=True, user__is_active=True
    ).select_related("user")
    sent = 0
    for membership in managers:
        user = membership.user
        with translation.override(user.language or organisation.default_language or settings.LANGUAGE_CODE):
            context = {
                "endpoint": endpoint,
                "organisation": organisation,
                "days": services.FAILING_LIMIT.days,
                "link": organisation_url(organisation, f"/webhooks/{endpoint.pk}/"),
            }
            subject = _("A webhook endpoint was disabled") + f" · {organisation.name}"
            body = render_to_string("webhooks/endpoint_disabled_email.txt", context)
        sent += EmailMessage(subject, body, to=[user.email]).send()
    return sent
