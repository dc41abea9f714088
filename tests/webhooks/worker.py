"""A webhook worker in a process of its own, for the test that kills one mid-delivery: runs the tasks' code
in an organisation's schema, as a Celery worker would.

    python -m tests.webhooks.worker <schema> send <delivery id>   # one attempt (webhooks.delivery_send)
    python -m tests.webhooks.worker <schema> due                  # the sweep (webhooks.deliveries_due)
"""

import sys

import django

django.setup()

from django_tenants.utils import schema_context  # noqa: E402

from webhooks import tasks  # noqa: E402

if __name__ == "__main__":
    schema, command = sys.argv[1], sys.argv[2]
    with schema_context(schema):
        if command == "send":
            tasks.delivery_send(int(sys.argv[3]))
        else:
            tasks.deliveries_due()
