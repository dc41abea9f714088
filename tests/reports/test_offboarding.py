"""Offboarding an organisation: archive, delete after confirmation, and the restore drill.

The drill needs pg_dump and pg_restore to see its data, so it commits (outside the test transaction,
via django_db_blocker) and removes exactly what it made afterwards.
"""

from __future__ import annotations

import io
import shutil
import uuid
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tenants.utils import schema_exists, tenant_context

from portal import policy
from reports.services import offboarding
from tenants.models import Domain, Membership, Organisation, PlatformEvent, Role, User
from tenants.services import organisation_create
from tests.world.reports import all_canaries, build

PASSWORD = "correct horse battery"


def _staff_actor(email: str) -> policy.Actor:
    staff = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=PASSWORD, is_staff=True
    )
    return policy.Actor(user=staff, organisation=None)


def _drop(slug: str, user_ids: list[int]) -> None:
    """Remove what the drill made. Users go by SQL: Django's cascade would look for tenant tables."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is not None:
        Domain.objects.filter(tenant=organisation).delete()
        Organisation.objects.filter(pk=organisation.pk).delete()
    PlatformEvent.objects.filter(detail__slug=slug).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{slug.replace("-", "_")}" CASCADE')
        cursor.execute("UPDATE tenants_platformevent SET actor_id = NULL WHERE actor_id = ANY(%s)", [user_ids])
        for table in ("tenants_membership", "authtoken_token"):
            cursor.execute(f"DELETE FROM {table} WHERE user_id = ANY(%s)", [user_ids])
        cursor.execute("DELETE FROM tenants_user WHERE id = ANY(%s)", [user_ids])


def test_restore_drill(django_db_setup, django_db_blocker, settings, tmp_path):
    settings.OFFBOARDING_ARCHIVE_DIR = tmp_path / "archives"
    slug = f"drill-{uuid.uuid4().hex[:8]}"
    made: list[int] = []
    with django_db_blocker.unblock(), translation.override("en"):  # whatever an earlier test left active
        # It commits: make sure it is the test database it commits to. pytest-django sets that database up
        # only when a test of the run is marked for the database, so this one cannot run alone.
        if not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail(
                f"not on a test database ({connection.settings_dict['NAME']}): run this test with the "
                "rest of its module, whose other tests set the test database up"
            )
        try:
            organisation = organisation_create(name="Drill Company", slug=slug)
            hr = User.objects.create_user(
                email=f"hr@{slug}.test", password=PASSWORD, first_name="Hanna", last_name="Drill"
            )
            coach = User.objects.create_user(
                email=f"coach@{slug}.test", password=PASSWORD, first_name="Coen", last_name="Drill"
            )
            made += [hr.pk, coach.pk]
            Membership.objects.create(user=hr, organisation=organisation, role=Role.HR_MANAGER)
            Membership.objects.create(user=coach, organisation=organisation, role=Role.COACH)
            org = SimpleNamespace(organisation=organisation, hr=hr, coach=coach)
            with tenant_context(organisation):
                built = build(org, people=6, tag="D")
            made += [person.user.pk for person in built.people]
            before = offboarding.row_counts(organisation=organisation)
            assert before["programmes_enrolment"] == 6 and before["assessments_reflection"] == 12

            actor = _staff_actor(f"staff@{slug}.test")
            made.append(actor.user.pk)
            with pytest.raises(ValidationError, match="Export the organisation first"):
                offboarding.organisation_delete(actor=actor, organisation=organisation, confirm_slug=slug)
            archive = offboarding.archive_create(actor=actor, organisation=organisation)
            assert (archive.path / "schema.dump").stat().st_size > 10_000

            # The customer's bundle: administrative data as JSON and CSV, no coaching content.
            with zipfile.ZipFile(archive.bundle) as bundle:
                names = set(bundle.namelist())
                assert {"csv/people.csv", "json/enrolment.json", "csv/attendance.csv", "README.txt"} <= names
                assert bundle.read("csv/enrolment.csv").startswith(b"\xef\xbb\xbf")
                everything = b"".join(bundle.read(name) for name in names).decode()
            assert hr.email in everything
            assert not [canary for canary in all_canaries(built) if canary in everything]

            with pytest.raises(ValidationError, match="not this organisation's address"):
                offboarding.organisation_delete(actor=actor, organisation=organisation, confirm_slug="drill")
            removed = offboarding.organisation_delete(actor=actor, organisation=organisation, confirm_slug=slug)
            assert removed["domains"] == [f"{slug}.localhost"] and removed["accounts_closed"] == 8
            assert not schema_exists(organisation.schema_name)
            assert not Organisation.objects.filter(slug=slug).exists()
            assert not Domain.objects.filter(domain=f"{slug}.localhost").exists()
            hr.refresh_from_db()
            assert hr.email.endswith("@erased.invalid") and not hr.is_active

            out = io.StringIO()
            call_command("restore_organisation", archive.name, stdout=out)
            assert f"is back at {slug}.localhost" in out.getvalue()
            restored = Organisation.objects.get(slug=slug)
            assert offboarding.row_counts(organisation=restored) == before
            hr.refresh_from_db()
            assert hr.email == f"hr@{slug}.test" and hr.is_active
            client = Client(HTTP_HOST=f"{slug}.localhost")
            signed_in = client.post("/login/", {"username": f"hr@{slug}.test", "password": PASSWORD})
            assert signed_in.status_code == 302, signed_in.content.decode()[:500]
            assert client.get("/").status_code == 200
            assert client.get(reverse("reports_dashboard")).status_code == 200
            actions = set(PlatformEvent.objects.filter(detail__slug=slug).values_list("action", flat=True))
            assert {"organisation.exported", "organisation.offboarded", "organisation.restored"} <= actions
        finally:
            _drop(slug, made)
            shutil.rmtree(tmp_path / "archives", ignore_errors=True)


def test_deleting_needs_a_fresh_archive_and_the_typed_address(world, settings, tmp_path, client_for):
    settings.OFFBOARDING_ARCHIVE_DIR = tmp_path
    actor = policy.Actor(user=world.staff, organisation=None)
    with translation.override("en"), pytest.raises(ValidationError, match="Export the organisation first"):
        offboarding.organisation_delete(actor=actor, organisation=world.globex.organisation, confirm_slug="globex")
    client = client_for(world.staff, "localhost")
    response = client.post(
        reverse("platform_offboard_delete", args=["globex"], urlconf="portal.urls_public"), {"confirm_slug": "acme"}
    )
    assert response.status_code == 400
    assert "That is not this organisation" in response.content.decode()
    assert schema_exists("globex")


def test_only_platform_staff_reach_archives(world, settings, tmp_path, client_for):
    settings.OFFBOARDING_ARCHIVE_DIR = tmp_path
    folder = tmp_path / "acme-20260101-120000"
    folder.mkdir()
    with zipfile.ZipFile(folder / "bundle.zip", "w") as bundle:
        bundle.writestr("README.txt", "test")
    url = reverse("platform_archive_download", args=[folder.name], urlconf="portal.urls_public")
    assert client_for(world.staff, "localhost").get(url).status_code == 200
    assert client_for(world.acme.hr, "localhost").get(url).status_code == 404
    listing = client_for(world.staff, "localhost").get(reverse("platform_offboarding", urlconf="portal.urls_public"))
    assert folder.name in listing.content.decode()
    # Names that are not archives are not looked for on disk.
    bad = client_for(world.staff, "localhost").get("/offboarding/archives/..%2F..%2Fetc/")
    assert bad.status_code == 404
    assert zipfile.ZipFile(io.BytesIO(b"".join(client_for(world.staff, "localhost").get(url).streaming_content)))


def test_old_archives_are_deleted(settings, tmp_path):

    settings.OFFBOARDING_ARCHIVE_DIR = tmp_path
    settings.OFFBOARDING_ARCHIVE_KEEP_DAYS = 30
    for name in ("old-co-20200101-000000", "new-co-" + timezone.now().strftime("%Y%m%d-%H%M%S")):
        (tmp_path / name).mkdir()
        with zipfile.ZipFile(tmp_path / name / "bundle.zip", "w") as bundle:
            bundle.writestr("README.txt", "test")
    assert offboarding.archives_expire(now=timezone.now() + timedelta(days=1)) == ["old-co-20200101-000000"]
    assert [archive.slug for archive in offboarding.archives()] == ["new-co"]
