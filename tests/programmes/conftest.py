"""Shared by the programmes tests."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_and_nothing_left_behind():
    """Services answer in the active language: each test here starts in English, and ends with no
    language active (a request on a Dutch organisation's host leaves Dutch active in this thread)."""
    translation.activate("en")
    yield
    translation.deactivate()
