import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from tenants import services
from tenants.models import Domain, Invitation, Membership, Organisation, PlatformEvent
from tenants.services import organisation_create


def tables_in(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_a_new_organisation_is_a_clone_of_the_template_with_its_domain_and_hr_invitation(world, mailoutbox):
    organisation = organisation_create(
        name="Initech", slug="initech", hr_email="HR@Initech.test", default_language="nl"
    )
    assert schema_exists("initech")
    assert tables_in("initech") == tables_in("tenant_template")
    assert Domain.objects.get(tenant=organisation).domain == "initech.localhost"
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.email == "hr@initech.test" and invitation.role == "hr_manager"
    assert not Membership.objects.filter(organisation=organisation).exists()  # until they accept
    assert PlatformEvent.objects.filter(organisation=organisation, action="organisation.created").exists()
    with tenant_context(organisation), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert cursor.fetchone()[0] > 0  # as migrated as the template
    assert Client(HTTP_HOST="initech.localhost").get("/login/").status_code == 200


@pytest.mark.parametrize(
    "slug, message",
    [
        ("acme", "already exists"),
        ("www", "reserved"),
        ("Bad Slug!", "lower-case letters"),
        ("x", "lower-case letters"),
    ],
)
def test_it_refuses_a_bad_address_and_creates_nothing(world, slug, message):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as error:
        organisation_create(name="Something", slug=slug, hr_email="hr@something.test")
    assert message in str(error.value.message_dict["slug"])
    assert Organisation.objects.count() == before


def test_a_failure_while_cloning_leaves_neither_rows_nor_schema(world, monkeypatch):
    def broken_clone(*, source, target):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{target}"')
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "schema_clone", broken_clone)
    with pytest.raises(RuntimeError):
        organisation_create(name="Half Made", slug="half-made", hr_email="hr@half.test")
    assert not Organisation.objects.filter(slug="half-made").exists()
    assert not Domain.objects.filter(domain="half-made.localhost").exists()
    assert not schema_exists("half_made")


def test_the_command_provisions_and_reports_bad_input(world, capsys):
    call_command("create_organisation", name="Umbrella", slug="umbrella", hr_email="hr@umbrella.test")
    assert "Umbrella is ready at http://umbrella.localhost/" in capsys.readouterr().out
    with pytest.raises(CommandError, match="slug: An organisation with this address already exists"):
        call_command("create_organisation", name="Umbrella", slug="umbrella", hr_email="hr@umbrella.test")


def test_platform_staff_provision_from_the_form_and_errors_are_shown(client_for, world):
    client = client_for(world.staff, "localhost")
    response = client.post(
        "/platform/", {"name": "Hooli", "slug": "hooli", "default_language": "en", "hr_email": "hr@hooli.test"}
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(slug="hooli").exists()
    again = client.post(
        "/platform/", {"name": "Hooli", "slug": "hooli", "default_language": "en", "hr_email": "hr@hooli.test"}
    )
    assert again.status_code == 200
    assert "An organisation with this address already exists." in again.content.decode()


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
