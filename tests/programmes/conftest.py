"""Shared by the programmes tests."""

import pytest
from django.utils import translation

from programmes.models import Programme


@pytest.fixture(autouse=True)
def _english_and_nothing_left_behind():
    """Services answer in the active language: each test here starts in English, and ends with no
    language active (a request on a Dutch organisation's host leaves Dutch active in this thread)."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def acme(world, in_tenant):
    """The test runs in acme's schema (tests/world/)."""
    with in_tenant(world.acme):
        yield world.acme


@pytest.fixture
def hr(acme, actor):
    return actor(acme.hr, acme)


@pytest.fixture
def programme(acme):
    """The world's programme in acme (tests/world/programmes.py)."""
    return Programme.objects.get(pk=acme.people["programme"])
