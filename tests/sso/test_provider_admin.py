"""Setting identity providers up, the three ways there are: `manage.py identity_provider` (add, list, rekey),
the API for HR (/api/v1/identity-providers/) and HR's settings pages. Each against the real database and, for
OpenID Connect, the real provider on loopback (tests/sso/conftest.py); the client secret stays encrypted at
rest and never comes back out."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import ManagementUtility
from django.db import connection

from sso import services
from sso.models import IdentityProvider, SignInPolicy
from tenants.models import PlatformEvent
from tests.sso.conftest import SECRET
from tests.sso.saml_idp import SamlIdp
from tests.sso.test_oidc_sign_in import sign_in, signed_in_as

pytestmark = pytest.mark.django_db

API = "/api/v1/identity-providers/"


@pytest.fixture
def loopback(settings):
    """The local provider speaks http:// on 127.0.0.1, which the outbound guard refuses unless allowed."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True


def written() -> tuple:
    """What setting a provider up writes: providers, sign-in policies and audit events."""
    return IdentityProvider.objects.count(), SignInPolicy.objects.count(), PlatformEvent.objects.count()


def raw_secret_column(provider: IdentityProvider) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT client_secret_encrypted FROM {IdentityProvider._meta.db_table} WHERE id = %s",  # noqa: S608
            [provider.pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def manage(monkeypatch):
    """manage(*argv) runs `manage.py identity_provider <argv>` as an operator does (argument errors and
    CommandError end the process with a status): exit status, standard output and standard error. The
    command's closing of the database connections at its end is left out: it would end the test's
    transaction."""
    import contextlib

    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                ManagementUtility(["manage.py", "identity_provider", *argv]).execute()
            except SystemExit as exit_:
                status = exit_.code or 0
        return status, out.getvalue(), err.getvalue()

    return run


def oidc_add_arguments(server, **overrides) -> list[str]:
    values = {
        "--organisation": "acme",
        "--name": "Acme Keycloak",
        "--kind": "keycloak",
        "--oidc-discovery": server.issuer,
        "--client-id": "acme-portal",
        "--client-secret": SECRET["acme"],
    } | overrides
    return [item for name, value in values.items() if value is not None for item in (name, value)]


# --- manage.py identity_provider ---------------------------------------------------------------------


def test_the_command_adds_an_oidc_provider_people_then_sign_in_with(manage, client, world, oidc_server, loopback):
    status, out, err = manage("add", *oidc_add_arguments(oidc_server), "--domains", "acme.test", "--jit")
    assert (status, err) == (0, "")
    provider = IdentityProvider.objects.get(organisation=world.acme.organisation, name="Acme Keycloak")
    assert provider.discovery_url == oidc_server.discovery_url
    assert (provider.protocol, provider.kind, provider.client_id) == ("oidc", "keycloak", "acme-portal")
    assert provider.client_secret == SECRET["acme"]
    assert SECRET["acme"] not in raw_secret_column(provider)
    assert f"Added Acme Keycloak (id {provider.pk}) to acme." in out
    assert "Redirect URI to register at the provider: http://acme.localhost/login/sso/oidc/callback/" in out
    assert SignInPolicy.objects.get(organisation=world.acme.organisation).jit_people
    assert world.acme.organisation.domain_claims.get(domain="acme.test").is_approved

    # The provider works as added: the discovery document is fetched, the secret decrypted at the token call.
    from tests.sso.conftest import Providers

    providers = Providers(server=oidc_server, acme=provider, globex=None)
    answer = sign_in(client, world.acme, providers, "acme-employee")
    assert answer.status_code == 302, answer.content.decode()[-1500:]
    assert signed_in_as(client, world.acme) == "employee@acme.test"


def test_the_command_adds_a_saml_provider_from_a_metadata_file(manage, world, tmp_path):
    idp = SamlIdp(entity_id="https://sts.example.test/acme-cli")
    metadata = tmp_path / "idp-metadata.xml"
    metadata.write_text(idp.metadata_xml)
    status, out, _err = manage(
        "add", "--organisation", "acme", "--name", "Acme SAML", "--kind", "entra", "--saml-metadata", str(metadata)
    )
    assert status == 0
    provider = IdentityProvider.objects.get(organisation=world.acme.organisation, name="Acme SAML")
    assert (provider.protocol, provider.kind, provider.saml_entity_id) == ("saml", "entra", idp.entity_id)
    assert provider.saml_metadata_xml == idp.metadata_xml and not provider.has_client_secret
    assert f"Entity ID to register at the provider: http://acme.localhost/login/sso/{provider.pk}/" in out


def test_the_list_shows_each_provider_with_its_organisation_and_flags(manage, world, oidc_server, loopback, tmp_path):
    already = {str(pk) for pk in IdentityProvider.objects.values_list("pk", flat=True)}  # the test world's own
    status, _out, err = manage("add", *oidc_add_arguments(oidc_server), "--required", "--break-glass", "hr@acme.test")
    assert status == 0, err
    metadata = tmp_path / "idp.xml"
    metadata.write_text(SamlIdp().metadata_xml)
    assert manage("add", "--organisation", "globex", "--name", "Globex SAML", "--saml-metadata", str(metadata))[0] == 0
    acme = IdentityProvider.objects.get(name="Acme Keycloak")
    globex = IdentityProvider.objects.get(name="Globex SAML")

    status, out, _err = manage("list")
    assert status == 0
    assert len(out.splitlines()) == len(already) + 2
    assert [line for line in out.splitlines() if line.split("  ")[0] not in already] == [
        f"{acme.pk}  acme  Acme Keycloak  oidc  keycloak  {oidc_server.discovery_url}  enabled required",
        f"{globex.pk}  globex  Globex SAML  saml  generic  metadata uploaded  enabled",
    ]
    assert SECRET["acme"] not in out
    status, out, _err = manage("list", "--organisation", "globex")
    assert status == 0 and out.splitlines() and {line.split("  ")[1] for line in out.splitlines()} == {"globex"}
    assert f"{globex.pk}  globex  Globex SAML" in out


def test_rekey_encrypts_again_under_the_new_key_and_the_secret_still_works(
    manage, client, world, oidc_server, loopback, settings
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SSO_ENCRYPTION_KEY = old
    assert manage("add", *oidc_add_arguments(oidc_server))[0] == 0
    provider = IdentityProvider.objects.get(name="Acme Keycloak")
    under_old = raw_secret_column(provider)

    settings.SSO_ENCRYPTION_KEY = f"{new} {old}"  # the new key first, the old one still read
    status, out, _err = manage("rekey")
    assert (status, out.strip()) == (0, "Encrypted 1 client secret(s) again.")
    under_new = raw_secret_column(provider)
    assert under_new != under_old and SECRET["acme"] not in under_new
    assert Fernet(new.encode()).decrypt(under_new.encode()).decode() == SECRET["acme"]

    settings.SSO_ENCRYPTION_KEY = new  # the old key retired: the secret still decrypts, and signs people in
    provider.refresh_from_db()
    assert provider.client_secret == SECRET["acme"]
    from tests.sso.conftest import Providers

    answer = sign_in(client, world.acme, Providers(server=oidc_server, acme=provider, globex=None), "acme-employee")
    assert answer.status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--organisation": "initech"}, "There is no organisation with the slug 'initech'."),
        ({"--saml-metadata": "idp.xml"}, "argument --saml-metadata: not allowed with argument --oidc-discovery"),
        ({"--oidc-discovery": None}, "one of the arguments --oidc-discovery --saml-metadata is required"),
        ({"--client-secret": None}, "client_secret: Enter the client secret the provider gave this portal."),
        ({"--oidc-discovery": "not an address"}, "discovery_url: Enter the full address, starting with https://."),
    ],
    ids=["unknown-organisation", "both-protocols", "neither-protocol", "no-secret", "bad-discovery-url"],
)
def test_bad_input_exits_non_zero_saying_what_is_wrong_and_creates_nothing(
    manage, world, oidc_server, loopback, change, message
):
    before = written()
    status, out, err = manage("add", *oidc_add_arguments(oidc_server, **change), "--domains", "acme.test", "--jit")
    assert status != 0
    assert message in err, err
    assert out == ""
    assert written() == before
    assert not world.acme.organisation.domain_claims.exists()


def test_a_domain_another_organisation_holds_undoes_the_whole_add(manage, world, oidc_server, loopback):
    services.domain_claim_approve(
        claim=services.domain_claim_request(
            organisation=world.globex.organisation, domain="acme.test", acting_user=None
        ),
        acting_user=None,
    )
    before = written()
    status, _out, err = manage("add", *oidc_add_arguments(oidc_server), "--domains", "acme.test")
    assert status != 0 and "domain" in err
    assert written() == before


def test_saml_metadata_that_is_neither_file_nor_address_is_refused(manage, world, tmp_path):
    before = written()
    missing = str(tmp_path / "missing.xml")
    status, _out, err = manage("add", "--organisation", "acme", "--name", "X", "--saml-metadata", missing)
    assert status != 0 and f"--saml-metadata: {missing!r} is neither an address nor a file." in err
    assert written() == before


# --- the API -----------------------------------------------------------------------------------------


def oidc_payload(server, **values) -> dict:
    return {
        "name": "Acme ID",
        "kind": "keycloak",
        "protocol": "oidc",
        "discovery_url": server.issuer,
        "client_id": "acme-portal",
        "client_secret": SECRET["acme"],
    } | values


def post(api, data, method="post", path=API):
    return getattr(api, method)(path, json.dumps(data), content_type="application/json")


def assert_no_secret(answer):
    text = answer.content.decode()
    assert SECRET["acme"] not in text and "client_secret_encrypted" not in text
    body = answer.json()
    for row in body.get("results", [body]):
        assert "client_secret" not in row


def test_hr_creates_lists_reads_changes_and_removes_a_provider(world, client_for, oidc_server, loopback):
    api = client_for(world.acme.hr, world.acme.host)
    created = post(api, oidc_payload(oidc_server))
    assert created.status_code == 201, created.content
    assert_no_secret(created)
    body = created.json()
    assert body["has_client_secret"] is True
    assert body["discovery_url"] == oidc_server.discovery_url
    assert body["redirect_uri"] == "http://acme.localhost/login/sso/oidc/callback/"
    provider = IdentityProvider.objects.get(pk=body["id"], organisation=world.acme.organisation)
    assert provider.client_secret == SECRET["acme"] and SECRET["acme"] not in raw_secret_column(provider)

    listed = api.get(API)
    assert listed.status_code == 200
    assert_no_secret(listed)
    mine = set(IdentityProvider.objects.filter(organisation=world.acme.organisation).values_list("pk", flat=True))
    assert provider.pk in mine and {row["id"] for row in listed.json()["results"]} == mine
    one = api.get(f"{API}{provider.pk}/")
    assert one.status_code == 200 and one.json()["name"] == "Acme ID"
    assert_no_secret(one)

    # A change without the secret keeps the stored one; a change with it replaces it.
    stored = raw_secret_column(provider)
    changed = post(api, {"name": "Acme Keycloak", "enabled": False}, "patch", f"{API}{provider.pk}/")
    assert changed.status_code == 200 and changed.json()["name"] == "Acme Keycloak"
    assert_no_secret(changed)
    assert raw_secret_column(provider) == stored
    replaced = post(api, oidc_payload(oidc_server, client_secret="rotated-secret-0123"), "put", f"{API}{provider.pk}/")
    assert replaced.status_code == 200 and "rotated-secret-0123" not in replaced.content.decode()
    provider.refresh_from_db()
    assert (provider.name, provider.client_secret) == ("Acme ID", "rotated-secret-0123")

    assert api.delete(f"{API}{provider.pk}/").status_code == 204
    assert not IdentityProvider.objects.filter(pk=provider.pk).exists()
    actions = list(
        PlatformEvent.objects.filter(organisation=world.acme.organisation, detail__provider=provider.pk)
        .filter(action__startswith="sso.provider")
        .order_by("pk")
        .values_list("action", "actor", "detail")
    )
    assert actions == [
        ("sso.provider_created", world.acme.hr.pk, {"provider": provider.pk}),
        ("sso.provider_changed", world.acme.hr.pk, {"provider": provider.pk, "fields": ["enabled", "name"]}),
        (
            "sso.provider_changed",
            world.acme.hr.pk,
            {"provider": provider.pk, "fields": ["client_secret", "name"]},
        ),
        ("sso.provider_deleted", world.acme.hr.pk, {"provider": provider.pk}),
    ]
    assert SECRET["acme"] not in json.dumps([detail for *_rest, detail in actions])


def test_another_organisations_provider_is_not_found(world, client_for, providers):
    api = client_for(world.globex.hr, world.globex.host)
    path = f"{API}{providers.acme.pk}/"
    listed = {row["id"] for row in api.get(API).json()["results"]}
    assert providers.globex.pk in listed and providers.acme.pk not in listed
    assert listed == set(
        IdentityProvider.objects.filter(organisation=world.globex.organisation).values_list("pk", flat=True)
    )
    assert api.get(path).status_code == 404
    assert post(api, {"name": "Taken over"}, "patch", path).status_code == 404
    assert api.delete(path).status_code == 404
    providers.acme.refresh_from_db()
    assert providers.acme.name == "Acme Logistics ID"


@pytest.mark.parametrize("who", ["employee", "coach"])
def test_people_other_than_hr_are_refused(world, client_for, providers, oidc_server, who):
    api = client_for(getattr(world.acme, who), world.acme.host)
    before = written()
    # Refused as the API refuses what is not one's to see: not found, saying nothing of what exists.
    for answer in (
        api.get(API),
        api.get(f"{API}{providers.acme.pk}/"),
        post(api, oidc_payload(oidc_server, name="Mine")),
        post(api, {"name": "Mine"}, "patch", f"{API}{providers.acme.pk}/"),
        api.delete(f"{API}{providers.acme.pk}/"),
    ):
        assert answer.status_code == 404, answer.content
        assert "Acme Logistics ID" not in answer.content.decode()
    assert written() == before


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"discovery_url": "not an address"}, "discovery_url", "Enter a valid URL"),
        (
            {"discovery_url": "ftp://id.example.test/"},
            "discovery_url",
            "Enter the full address, starting with https://",
        ),
        ({"client_id": ""}, "client_id", "Enter the client ID"),
        ({"client_secret": ""}, "client_secret", "Enter the client secret"),
        ({"kind": "ldap"}, "kind", "not a valid choice"),
        ({"attribute_map": {"password": "pw"}}, "attribute_map", "Map only these details"),
        ({"name": " "}, "name", "may not be blank"),
        ({"name": "Acme Logistics ID"}, "name", "Another identity provider here has this name"),
    ],
)
def test_a_bad_payload_is_refused_naming_the_field_with_nothing_written(
    world, client_for, providers, oidc_server, change, field, words
):
    api = client_for(world.acme.hr, world.acme.host)
    before = written()
    answer = post(api, oidc_payload(oidc_server, **change))
    assert answer.status_code == 400
    assert words in " ".join(answer.json()[field]), answer.json()
    assert SECRET["acme"] not in answer.content.decode()
    assert written() == before


def test_a_bad_change_leaves_the_provider_as_it_was(world, client_for, providers):
    api = client_for(world.acme.hr, world.acme.host)
    before, stored = written(), raw_secret_column(providers.acme)
    answer = post(api, {"name": "Renamed", "client_id": ""}, "patch", f"{API}{providers.acme.pk}/")
    assert answer.status_code == 400 and list(answer.json()) == ["client_id"]
    providers.acme.refresh_from_db()
    assert (providers.acme.name, providers.acme.client_id) == ("Acme Logistics ID", "acme-portal")
    assert (written(), raw_secret_column(providers.acme)) == (before, stored)


# --- HR's settings pages -----------------------------------------------------------------------------


def page_form(server, **values) -> dict:
    return {
        "name": "Acme ID",
        "kind": "keycloak",
        "protocol": "oidc",
        "enabled": "on",
        "discovery_url": server.issuer,
        "client_id": "acme-portal",
        "client_secret": SECRET["acme"],
        "attribute_map": "{}",
    } | values


def test_hr_adds_edits_without_the_secret_and_removes_a_provider_on_the_pages(
    client, world, client_for, oidc_server, loopback
):
    hr = client_for(world.acme.hr, world.acme.host)
    answer = hr.post("/settings/sign-in/providers/new/", page_form(oidc_server))
    assert answer.status_code == 302 and answer["Location"] == "/settings/sign-in/"
    provider = IdentityProvider.objects.get(organisation=world.acme.organisation, name="Acme ID")
    stored = raw_secret_column(provider)
    assert provider.client_secret == SECRET["acme"] and SECRET["acme"] not in stored
    listing = hr.get("/settings/sign-in/").content.decode()
    assert "Acme ID" in listing and SECRET["acme"] not in listing

    edit_page = hr.get(f"/settings/sign-in/providers/{provider.pk}/").content.decode()
    assert "acme-portal" in edit_page and SECRET["acme"] not in edit_page and stored not in edit_page
    answer = hr.post(
        f"/settings/sign-in/providers/{provider.pk}/", page_form(oidc_server, name="Acme Keycloak", client_secret="")
    )
    assert answer.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Acme Keycloak"
    assert raw_secret_column(provider) == stored and provider.client_secret == SECRET["acme"]

    # The provider as edited still signs people in with the secret kept.
    from tests.sso.conftest import Providers

    assert sign_in(client, world.acme, Providers(oidc_server, provider, None), "acme-employee").status_code == 302

    answer = hr.post(f"/settings/sign-in/providers/{provider.pk}/delete/")
    assert answer.status_code == 302
    assert not IdentityProvider.objects.filter(pk=provider.pk).exists()
    events = list(
        PlatformEvent.objects.filter(organisation=world.acme.organisation, detail__provider=provider.pk)
        .filter(action__startswith="sso.provider")
        .order_by("pk")
        .values_list("action", "actor", "detail")
    )
    assert events == [
        ("sso.provider_created", world.acme.hr.pk, {"provider": provider.pk}),
        ("sso.provider_changed", world.acme.hr.pk, {"provider": provider.pk, "fields": ["name"]}),
        ("sso.provider_deleted", world.acme.hr.pk, {"provider": provider.pk}),
    ]


def test_a_page_form_with_a_bad_value_says_so_and_saves_nothing(world, client_for, oidc_server, loopback):
    hr = client_for(world.acme.hr, world.acme.host)
    before = written()
    answer = hr.post("/settings/sign-in/providers/new/", page_form(oidc_server, client_id=""))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Enter the client ID the provider gave this portal." in page
    assert SECRET["acme"] not in page  # the secret typed is not sent back either
    assert written() == before


def test_the_other_organisations_hr_cannot_edit_or_remove_a_provider(world, client_for, providers, oidc_server):
    hr = client_for(world.globex.hr, world.globex.host)
    path = f"/settings/sign-in/providers/{providers.acme.pk}/"
    assert hr.post(path, page_form(oidc_server, name="Taken over")).status_code == 404
    assert hr.post(f"{path}delete/").status_code == 404
    providers.acme.refresh_from_db()
    assert providers.acme.name == "Acme Logistics ID"
