"""Sending to a webhook endpoint under the portal's server-side request forgery rules (portal/outbound.py).

The endpoint's host is resolved and every address checked when it is registered and again at each delivery,
and the connection goes to the very address checked (DNS rebinding gains nothing). In production endpoints
use https://; plain http is for development (OUTBOUND_ALLOW_PRIVATE_ADDRESSES). Redirects are not followed,
timeouts are short and at most RESPONSE_KEPT bytes of an answer are read. A `Sender` sends several
deliveries to one endpoint over one kept-alive connection to the address checked once for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from portal import outbound

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
RESPONSE_KEPT = 300

Target = outbound.Target


class Refused(Exception):
    """The address may not be sent to; the message says why, for the person who registered it."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    body: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def target(url: str) -> Target:
    """The URL's host resolved and checked; where to send, or Refused naming the problem."""
    if urlsplit(url).scheme == "http" and not outbound.private_allowed():
        raise Refused(_("Use https:// for webhook endpoints."))
    try:
        found = outbound.target(url)
    except outbound.BadAddress as bad:
        raise Refused(
            {
                "credentials": _(
                    "Leave the user name and password out of the address; the signature proves the sender."
                ),
                "port": _("The port in the address is not a number between 1 and 65535."),
            }.get(bad.problem, _("Enter an address starting with https:// and a host name."))
        ) from None
    except outbound.HostNotFound as unknown:
        raise Refused(_("The host name %(host)s cannot be found.") % {"host": unknown.host}) from None
    except outbound.PrivateAddress as private:
        raise Refused(
            _("%(host)s leads to an address inside a private network (%(address)s), which webhooks may not reach.")
            % {"host": private.host, "address": private.address}
        ) from None
    return found


class Sender:
    """POSTs to one checked address over one kept-alive connection; a context manager."""

    def __init__(self, target: Target):
        self._connection = outbound.Connection(target, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self._connection.close()

    def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """POST `body` once; never raises for network trouble (the Answer says). Redirects are answers."""
        started = time.monotonic()
        try:
            response = self._connection.request(
                method="POST",
                body=body,
                headers={**headers, "Content-Type": "application/json"},
                most_bytes=RESPONSE_KEPT,
            )
        except outbound.Unreachable as failed:
            return Answer(None, "", _elapsed(started), error=str(failed)[:200])
        return Answer(response.status, response.body.decode("utf-8", "replace"), _elapsed(started))


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
