"""Passwords are stored with Argon2id; a PBKDF2 hash from before is replaced at its owner's next sign-in.

These tests use the production hasher list (the rest of the suite hashes with MD5 for speed)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from tenants.models import User
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db

production_hashers = override_settings(PASSWORD_HASHERS=settings.PRODUCTION_PASSWORD_HASHERS)


def test_argon2id_is_the_first_production_hasher():
    assert settings.PRODUCTION_PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@production_hashers
def test_a_new_password_is_stored_with_argon2id(world):
    user = User.objects.create_user(email="new.person@acme.test", password="a fresh long password")
    assert user.password.startswith("argon2$argon2id$")


@production_hashers
def test_a_pbkdf2_hash_is_upgraded_to_argon2id_at_the_next_sign_in(world):
    employee = world.acme.employee
    employee.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    employee.save(update_fields=["password"])
    assert employee.password.startswith("pbkdf2_sha256$1000000$")
    response = Client(HTTP_HOST=world.acme.host).post("/login/", {"username": employee.email, "password": PASSWORD})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.password.startswith("argon2$argon2id$")
    assert employee.check_password(PASSWORD)


@production_hashers
def test_a_wrong_password_leaves_the_old_hash_alone(world):
    employee = world.acme.employee
    employee.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    employee.save(update_fields=["password"])
    before = employee.password
    Client(HTTP_HOST=world.acme.host).post("/login/", {"username": employee.email, "password": "not it at all"})
    employee.refresh_from_db()
    assert employee.password == before
