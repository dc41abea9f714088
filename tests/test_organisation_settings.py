import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tenants.models import Organisation, PlatformEvent


def png(size=(40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0b6e69").save(buffer, "PNG")
    return buffer.getvalue()


def form(**overrides):
    data = {"default_language": "en", "accent_colour": "#123456", "support_contact": "Call 0800",
            "cancellation_notice_hours": 48}
    data.update(overrides)
    return data


def test_hr_changes_branding_and_rules(client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(world.acme.hr, "acme.localhost")
    response = client.post("/settings/", form(logo=SimpleUploadedFile("logo.png", png(), "image/png")))
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=world.acme.organisation.pk)
    assert organisation.accent_colour == "#123456" and organisation.cancellation_notice_hours == 48
    logo = client.get("/branding/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"--accent: #123456" in client.get("/").content
    event = PlatformEvent.objects.get(action="organisation.settings_changed")
    assert "Call 0800" not in str(event.detail)


def test_a_logo_of_the_wrong_type_is_refused_and_nothing_changes(client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(world.acme.hr, "acme.localhost")
    response = client.post("/settings/", form(logo=SimpleUploadedFile("logo.gif", b"GIF89a....", "image/gif")))
    assert response.status_code == 200
    assert "image" in response.content.decode().lower()
    assert Organisation.objects.get(pk=world.acme.organisation.pk).accent_colour != "#123456"


def test_a_logo_over_the_size_limit_is_refused(client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = io.BytesIO()
    Image.effect_noise((800, 800), 100).convert("RGB").save(big, "PNG")
    response = client_for(world.acme.hr, "acme.localhost").post(
        "/settings/", form(logo=SimpleUploadedFile("logo.png", big.getvalue(), "image/png")))
    assert response.status_code == 200
    assert "the limit is 512 KB" in response.content.decode()


def test_an_accent_colour_that_is_not_a_colour_is_refused(client_for, world):
    response = client_for(world.acme.hr, "acme.localhost").post(
        "/settings/", form(accent_colour="red; background:url(x)"))
    assert response.status_code == 200
    assert "#2f5d8a" in response.content.decode()  # the help in the error message
    assert Organisation.objects.get(pk=world.acme.organisation.pk).accent_colour != "red; background:url(x)"
