"""Running test code on a database connection of its own, for races and for data other connections must see."""

from __future__ import annotations

import threading

from django.db import connection


def in_own_connection(func):
    """Run `func` in a thread of its own, so on a connection of its own that commits as it goes (the
    test's own connection sits in the transaction pytest-django rolls back, invisible to the others)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = func()
        except BaseException as error:  # noqa: BLE001  (raised again in the test's thread)
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
