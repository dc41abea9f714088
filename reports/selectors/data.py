"""Everything the portal holds about the signed-in person, for "export my data" (reports/data_map.py says
where to look). Rows about the person are read through the policy as the person, so the export holds
exactly what they may see (e.g. scores only once released, never a coach's private notes); where the law
gives them more than a page shows, the map says why and the row is read directly. Rows where the person
only acted on someone else's record are listed as references, without that record's content.

This organisation's data and the person's account; the other organisations they belong to are listed
with the address to export their data there.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db.models import Model, QuerySet
from django.utils import timezone

from portal import policy
from reports import data_map
from tenants.models import Membership
from tenants.services import organisation_url

ACCOUNT_FIELDS = ("id", "email", "first_name", "last_name", "language", "date_joined", "last_login", "is_active")


def _rows(queryset: QuerySet) -> list[dict]:
    """The rows as the data map writes them: its fields, the primary key as "id" unless it is withheld."""
    names = data_map.export_fields(queryset.model._meta.label)
    rows = serializers.serialize("python", queryset.order_by("pk"), fields=[n for n in names if n != "id"])
    if "id" not in names:
        return [row["fields"] for row in rows]
    return [{"id": row["pk"], **row["fields"]} for row in rows]


def _children(actor: policy.Actor, model: type[Model], parent_ids: list, names: tuple[str, ...]) -> dict:
    found = {}
    for name in names:
        relation = model._meta.get_field(name)
        child = relation.related_model
        rows = policy.scope(actor, child).filter(**{f"{relation.field.name}__in": parent_ids})
        found[child._meta.label] = _rows(rows)
    return found


def personal_data(*, actor: policy.Actor) -> dict:
    """The export's JSON document (a fixed number of queries: one or two per entry of the data map)."""
    person = actor.user
    records: dict[str, list] = {}
    references: list[dict] = []
    for entry in data_map.ENTRIES:
        model = apps.get_model(entry.model)
        rows = model._default_manager.filter(**{entry.field: person})
        if entry.export == data_map.REFERENCE:
            references += _references(entry, rows)
            continue
        if entry.via_policy:
            rows = policy.scope(actor, model, rows)
        listed = _rows(rows)
        records.setdefault(entry.model, []).extend(listed)
        if entry.children and listed:
            for label, children in _children(actor, model, [row["id"] for row in listed], entry.children).items():
                records.setdefault(label, []).extend(children)
    organisation = actor.organisation
    return {
        "format": "coaching-portal-personal-data/1",
        "generated_at": timezone.now().isoformat(),
        "organisation": {"name": organisation.name, "slug": organisation.slug},
        "person": {
            name: _plain(getattr(person, "pk" if name == "id" else name))
            for name in data_map.checked_fields(settings.AUTH_USER_MODEL, ACCOUNT_FIELDS)
        },
        "records": dict(sorted(records.items())),
        "references": references,
        "other_organisations": _elsewhere(person, organisation),
        "notes": {
            "records": "Rows about you or written by you, by kind (app.Model), with the ids they refer to.",
            "references": "Rows about something or someone else on which you are named as having acted "
            "(for instance who marked attendance): only which row, never its content.",
            "other_organisations": "Data you have in other organisations on this portal: export it there.",
        },
    }


def _references(entry: data_map.Entry, rows: QuerySet) -> list[dict]:
    """Which rows of `entry.model` name the person in `entry.field`, and when (no id where it is a secret)."""
    names = data_map.reference_fields(entry)
    with_id = "id" in names
    columns = (["pk"] if with_id else []) + ([entry.dated_by] if entry.dated_by else [])
    found = []
    for values in rows.order_by("pk").values_list(*columns or ["pk"]):
        reference = {"model": entry.model, "field": entry.field}
        if with_id:
            reference["id"] = values[0]
        at = values[-1] if entry.dated_by else None
        reference["at"] = at.isoformat() if at else None
        found.append(reference)
    return found


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _elsewhere(person, organisation) -> list[dict]:
    others = (
        Membership.objects.filter(user=person, is_active=True, organisation__is_active=True)
        .exclude(organisation=organisation)
        .exclude(organisation__schema_name="public")
        .select_related("organisation")
        .order_by("organisation__name")
    )
    seen = {}
    for membership in others:
        other = membership.organisation
        if other.pk not in seen:
            seen[other.pk] = {"name": other.name, "export": organisation_url(other, "/my-data/")}
    return list(seen.values())


def tenant_labels() -> list[str]:
    return sorted({entry.model for entry in data_map.ENTRIES if data_map.is_tenant_model(apps.get_model(entry.model))})
