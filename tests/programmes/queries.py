"""Pinning query counts: `with pinned_queries("what the first is", "what the second is", ...):`.

django-tenants sets the search path before statements on an organisation's host; those SET statements
are not queries about data and are left out of the count (they are counted once per request by the
foundation's own tests). Every other statement must be one of the described queries."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


def data_queries(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if not query["sql"].startswith("SET search_path")]


@contextmanager
def pinned_queries(*described: str):
    with CaptureQueriesContext(connection) as context:
        yield context
    done = data_queries(context)
    if len(done) != len(described):
        listing = "\n\n".join(f"{number}. {sql}" for number, sql in enumerate(done, start=1))
        raise AssertionError(
            f"expected {len(described)} queries ({'; '.join(described)}), got {len(done)}:\n\n{listing}"
        )
