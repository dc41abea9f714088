"""The test world is built only in a test database, never in the development database `portal`."""

from __future__ import annotations

import inspect

import pytest
from django.conf import settings
from django.db import connection

from tenants.models import User
from tests.world import build_world


def test_the_world_is_refused_outside_a_test_database_before_anything_is_written(db, monkeypatch):
    users = User.objects.count()
    monkeypatch.setitem(connection.settings_dict, "NAME", "portal")
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "portal")
    with pytest.raises(RuntimeError, match="not a test database"):
        build_world()
    monkeypatch.undo()
    assert User.objects.count() == users


def test_the_world_is_built_in_this_runs_test_database(world):
    assert connection.settings_dict["NAME"].startswith("test")


def test_every_fixture_that_unblocks_the_database_waits_for_the_test_database():
    # Unblocking before django_db_setup has run means the development database: the cause the guard
    # above stops. The fixtures and tests that unblock it themselves ask for django_db_setup first.
    # Imported here, not at the top: test modules and a conftest, which pytest imports in its own way.
    from tests.assessments import test_assignment_concurrency
    from tests.e2e import conftest as e2e
    from tests.programmes import test_import_concurrency

    for function in (
        test_assignment_concurrency.check_in,
        e2e.committed,
        e2e.e2e_server,
        e2e.e2e_world,
        test_import_concurrency.test_two_imports_at_once_never_overfill_a_cohort,
    ):
        function = getattr(function, "__wrapped__", function)
        assert "django_db_setup" in inspect.signature(function).parameters, function.__name__
