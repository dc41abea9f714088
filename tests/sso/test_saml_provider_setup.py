"""Setting up a SAML provider (sso.services, as HR's form and `manage.py identity_provider add` do): the IdP
metadata read when uploaded, fetched from its address through the outbound guard, refused saying why."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from sso import demo, services
from sso.models import IdentityProvider
from tests.sso.saml_idp import SamlIdp, SamlIdpServer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def idp_server():
    server = SamlIdpServer({})
    yield server
    server.stop()


def create(world, **values) -> IdentityProvider:
    return services.identity_provider_create(
        organisation=world.acme.organisation,
        acting_user=world.acme.hr,
        name="Acme SAML",
        protocol="saml",
        enabled=False,
        **values,
    )


def test_uploaded_metadata_is_read_and_the_entity_id_kept(world):
    idp = SamlIdp(entity_id="https://sts.example.test/acme")
    provider = create(world, saml_metadata_xml=idp.metadata_xml)
    assert provider.saml_entity_id == "https://sts.example.test/acme"


def test_metadata_at_an_address_is_fetched_and_read(world, idp_server, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    provider = create(world, saml_metadata_url=idp_server.metadata_url)
    assert provider.saml_entity_id == idp_server.idp.entity_id
    assert provider.saml_metadata_xml == idp_server.idp.metadata_xml


def test_the_address_wins_over_stored_xml_at_every_save(world, idp_server, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    old = SamlIdp(entity_id="https://old.example.test/saml")
    provider = create(world, saml_metadata_xml=old.metadata_xml)
    provider = services.identity_provider_update(
        provider=provider, acting_user=world.acme.hr, saml_metadata_url=idp_server.metadata_url
    )
    assert provider.saml_entity_id == idp_server.idp.entity_id


def test_an_address_in_a_private_network_is_not_fetched(world, idp_server, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        create(world, saml_metadata_url=idp_server.metadata_url.replace("http://", "https://"))
    assert "private network" in " ".join(refused.value.message_dict["saml_metadata_url"])
    assert not IdentityProvider.objects.filter(name="Acme SAML").exists()


def test_an_address_that_is_not_metadata_is_refused(world, idp_server, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(ValidationError) as refused:
        create(world, saml_metadata_url=idp_server.metadata_url.replace("/metadata", "/sso"))
    assert "not SAML 2.0 metadata" in " ".join(refused.value.message_dict["saml_metadata_url"])


def test_unusable_uploaded_metadata_is_refused_beside_its_field(world):
    with pytest.raises(ValidationError) as refused:
        create(world, saml_metadata_xml="<EntityDescriptor/>")
    assert refused.value.message_dict.keys() == {"saml_metadata_xml"}
    assert not IdentityProvider.objects.filter(name="Acme SAML").exists()


def form_data(**values) -> dict:
    return {"name": "Acme SAML", "kind": "okta", "protocol": "saml", "attribute_map": "{}"} | values


def test_hr_uploads_the_metadata_file_and_sees_what_to_enter_at_the_provider(world, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    idp = SamlIdp(entity_id="http://www.okta.example.test/exk123")
    upload = SimpleUploadedFile("metadata.xml", idp.metadata_xml.encode(), content_type="application/xml")
    answer = hr.post("/settings/sign-in/providers/new/", form_data(saml_metadata_file=upload))
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    provider = IdentityProvider.objects.get(organisation=world.acme.organisation, name="Acme SAML")
    assert provider.saml_entity_id == idp.entity_id and provider.protocol == "saml"

    page = hr.get(f"/settings/sign-in/providers/{provider.pk}/").content.decode()
    base = f"http://acme.localhost/login/sso/{provider.pk}"
    for value in (f"{base}/saml/metadata/", f"{base}/saml/acs/", f"{base}/", "nameid-format:persistent"):
        assert value in page


def test_a_file_that_is_not_metadata_is_refused_beside_the_field_with_nothing_saved(world, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    upload = SimpleUploadedFile("metadata.xml", b"<html>Sign in</html>", content_type="text/html")
    answer = hr.post("/settings/sign-in/providers/new/", form_data(saml_metadata_file=upload))
    assert answer.status_code == 200
    assert "The metadata describes no identity provider" in answer.content.decode()
    assert not IdentityProvider.objects.filter(name="Acme SAML").exists()


def test_hr_of_the_other_organisation_sees_nothing_of_acmes_provider(world, client_for):
    provider = create(world, saml_metadata_xml=SamlIdp().metadata_xml)
    globex_hr = client_for(world.globex.hr, world.globex.host)
    assert globex_hr.get(f"/settings/sign-in/providers/{provider.pk}/").status_code == 404


def test_the_demo_has_a_saml_provider_being_set_up_once(world):
    for _ in range(2):
        demo.seed(world.acme.organisation)
    provider = IdentityProvider.objects.get(organisation=world.acme.organisation, name=demo.NAME)
    assert (provider.enabled, provider.protocol, provider.saml_entity_id) == (False, "saml", demo.ENTITY_ID)
    demo.seed(world.globex.organisation)
    assert not IdentityProvider.objects.filter(organisation=world.globex.organisation, name=demo.NAME).exists()


def test_the_command_adds_a_saml_provider_from_a_file_and_says_what_to_register(world, tmp_path):
    idp = SamlIdp(entity_id="https://sts.example.test/cli")
    metadata = tmp_path / "idp.xml"
    metadata.write_text(idp.metadata_xml)
    out = io.StringIO()
    call_command(
        "identity_provider",
        "add",
        "--organisation",
        "acme",
        "--name",
        "Acme CLI",
        "--saml-metadata",
        str(metadata),
        stdout=out,
    )
    provider = IdentityProvider.objects.get(organisation=world.acme.organisation, name="Acme CLI")
    assert provider.saml_entity_id == idp.entity_id
    assert f"http://acme.localhost/login/sso/{provider.pk}/saml/acs/" in out.getvalue()
    metadata.write_text("<html/>")
    with pytest.raises(CommandError, match="describes no identity provider"):
        call_command(
            "identity_provider",
            "add",
            "--organisation",
            "acme",
            "--name",
            "Acme CLI 2",
            "--saml-metadata",
            str(metadata),
        )
