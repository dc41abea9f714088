import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tenants.models import Organisation, PlatformEvent


def png(size=(40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0b6e69").save(buffer, "PNG")
    return buffer.getvalue()


def form(**overrides):
    data = {
        "default_language": "en",
        "accent_colour": "#123456",
        "support_contact": "Call 0800",
        "cancellation_notice_hours": 48,
        "retention_months": 36,
    }
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
        "/settings/", form(logo=SimpleUploadedFile("logo.png", big.getvalue(), "image/png"))
    )
    assert response.status_code == 200
    assert "the limit is 512 KB" in response.content.decode()


def test_an_accent_colour_that_is_not_a_colour_is_refused(client_for, world):
    response = client_for(world.acme.hr, "acme.localhost").post(
        "/settings/", form(accent_colour="red; background:url(x)")
    )
    assert response.status_code == 200
    assert "#2f5d8a" in response.content.decode()  # the help in the error message
    assert Organisation.objects.get(pk=world.acme.organisation.pk).accent_colour != "red; background:url(x)"


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims these dimensions and holds no pixels: Pillow reads the size from the header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_a_logo_wider_or_taller_than_the_limit_is_refused_naming_the_limit(client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(world.acme.hr, "acme.localhost")
    for size in ((2001, 40), (40, 2001)):
        response = client.post("/settings/", form(logo=SimpleUploadedFile("logo.png", png(size), "image/png")))
        assert response.status_code == 200
        assert "The logo may be at most 2,000 × 2,000 pixels." in response.content.decode()
    assert not Organisation.objects.get(pk=world.acme.organisation.pk).logo


def test_a_logo_of_exactly_the_limit_is_accepted(client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(world.acme.hr, "acme.localhost").post(
        "/settings/", form(logo=SimpleUploadedFile("logo.png", png((2000, 2000)), "image/png"))
    )
    assert response.status_code == 302


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it(
    client_for, world, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    for width in (10_000, 100_000):  # over Pillow's warning limit, over its error limit
        response = client_for(world.acme.hr, "acme.localhost").post(
            "/settings/", form(logo=SimpleUploadedFile("logo.png", png_header(width, width), "image/png"))
        )
        assert response.status_code == 200
        assert "The logo may be at most 2,000 × 2,000 pixels." in response.content.decode()
    assert decoded == []


def test_hr_sets_how_long_coaching_content_is_kept(client_for, world):
    client = client_for(world.acme.hr, "acme.localhost")
    page = client.get("/settings/").content.decode()
    assert 'name="retention_months"' in page and "Between 6 and 120 months" in page
    assert client.post("/settings/", form(retention_months=24)).status_code == 302
    assert Organisation.objects.get(pk=world.acme.organisation.pk).retention_months == 24


def test_a_retention_period_outside_the_bounds_is_refused(client_for, world):
    client = client_for(world.acme.hr, "acme.localhost")
    for months in (0, 5, 121):
        response = client.post("/settings/", form(retention_months=months))
        assert response.status_code == 200, months
    assert Organisation.objects.get(pk=world.acme.organisation.pk).retention_months == 36
