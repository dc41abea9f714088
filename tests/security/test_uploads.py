"""Uploads: size and type limits, a clear message naming what is wrong, and nothing changed.

The organisation logo (HR settings) and request bodies in general; the employee CSV import has its own
limits, checked in test_upload_limits_import.py once the import exists.
"""

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from programmes.models import Enrolment
from tenants.forms import LOGO_MAX_BYTES
from tenants.models import Organisation, User

SETTINGS_FORM = {
    "default_language": "en",
    "accent_colour": "#2f5d8a",
    "support_contact": "",
    "cancellation_notice_hours": "24",
    "retention_months": "36",
}


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image(format: str = "PNG", size: tuple[int, int] = (120, 40), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "#2f5d8a" if mode == "RGB" else 1).save(buffer, format=format)
    return buffer.getvalue()


def upload_logo(client, name: str, content: bytes, content_type: str = "image/png"):
    return client.post("/settings/", {**SETTINGS_FORM, "logo": SimpleUploadedFile(name, content, content_type)})


def logo_of(world) -> str:
    return Organisation.objects.get(pk=world.acme.organisation.pk).logo.name


def test_a_proper_logo_is_accepted_and_served_as_an_image(world, client_for):
    hr = client_for(world.acme.hr, "acme.localhost")
    assert upload_logo(hr, "logo.png", image()).status_code == 302
    assert logo_of(world).endswith(".png")


@pytest.mark.parametrize(
    "name, content, content_type, message",
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "Upload a valid image",
        ),
        ("logo.png", b"<html><script>alert(1)</script></html>", "image/png", "Upload a valid image"),
        ("logo.html", image(), "text/html", "File extension"),
        ("logo.gif", image("GIF", mode="P"), "image/gif", "Upload the logo as PNG, JPEG or WebP."),
    ],
)
def test_a_logo_of_the_wrong_type_is_refused_with_a_message(world, client_for, name, content, content_type, message):
    hr = client_for(world.acme.hr, "acme.localhost")
    response = upload_logo(hr, name, content, content_type)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert logo_of(world) == ""


def test_a_logo_over_the_size_limit_is_refused_with_its_size_and_the_limit(world, client_for):
    # Random pixels do not compress, so the PNG is larger than the limit.
    noise = Image.frombytes("RGB", (600, 400), os.urandom(600 * 400 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    big = buffer.getvalue()
    assert len(big) > LOGO_MAX_BYTES
    response = upload_logo(client_for(world.acme.hr, "acme.localhost"), "logo.png", big)
    assert response.status_code == 200
    assert f"the limit is {LOGO_MAX_BYTES // 1024} KB" in response.content.decode()
    assert logo_of(world) == ""


def test_a_decompression_bomb_is_refused(world, client_for):
    # A few kilobytes that would unpack to 400 million pixels in every browser and PDF that shows them.
    bomb = image(size=(20_000, 20_000), mode="1")
    assert len(bomb) < LOGO_MAX_BYTES
    response = upload_logo(client_for(world.acme.hr, "acme.localhost"), "logo.png", bomb)
    assert response.status_code == 200
    assert logo_of(world) == ""


def test_only_hr_can_upload_a_logo(world, client_for):
    for user in (world.acme.employee, world.acme.coach, world.globex.hr):
        assert upload_logo(client_for(user, "acme.localhost"), "logo.png", image()).status_code == 404
    assert logo_of(world) == ""


def test_a_request_body_over_the_limit_is_refused_cleanly(world, client_for):
    too_big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client_for(None, "acme.localhost").post(
        "/api/v1/auth/token/", f'{{"email": "a@b.nl", "password": "{too_big}"}}', content_type="application/json"
    )
    assert response.status_code == 400


# --- the employee CSV import ------------------------------------------------------------------------


def import_csv(client, name: str, content: bytes, content_type: str = "text/csv"):
    return client.post("/api/v1/enrolments/import/", {"file": SimpleUploadedFile(name, content, content_type)})


def people_and_enrolments(world) -> tuple[int, int]:

    with tenant_context(world.acme.organisation):
        return User.objects.count(), Enrolment.objects.count()


def test_a_csv_import_over_the_size_limit_is_refused_naming_the_limit(world, client_for, settings):
    settings.ENROLMENT_IMPORT_MAX_BYTES = 4 * 1024 * 1024
    rows = "".join(f"big{number}@acme.test,Big,{number},Cohort A\n" for number in range(130_000))
    content = ("email,first name,last name,cohort\n" + rows).encode()
    assert len(content) > settings.ENROLMENT_IMPORT_MAX_BYTES
    before = people_and_enrolments(world)
    response = import_csv(client_for(world.acme.hr, "acme.localhost"), "big.csv", content)
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "larger than 4.0" in message and "MB" in message
    assert people_and_enrolments(world) == before


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("employees.csv", image(), "text/csv"),  # a picture renamed
        ("employees.csv", "email,first name\n".encode("utf-16"), "text/csv"),  # Excel's "Unicode text"
    ],
)
def test_a_file_that_is_not_utf8_csv_is_refused_with_a_message(world, client_for, name, content, content_type):
    before = people_and_enrolments(world)
    response = import_csv(client_for(world.acme.hr, "acme.localhost"), name, content, content_type)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["errors"][0]["message"]
    assert people_and_enrolments(world) == before


def test_only_hr_can_import(world, client_for):
    content = b"email,first name,last name,cohort\nsneaky@acme.test,Sneaky,Person,Cohort A\n"
    for user in (world.acme.employee, world.acme.coach, world.globex.hr):
        assert import_csv(client_for(user, "acme.localhost"), "employees.csv", content).status_code == 404
