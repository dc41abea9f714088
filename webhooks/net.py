"""Sending to an address outside: no server-side request forgery.

An endpoint's host is resolved and every address checked: loopback, private, link-local (cloud metadata at
169.254.169.254 included), shared, reserved and multicast addresses are refused unless
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is on (development, so that `make run` can post to 127.0.0.1). The check is
made again at each delivery and the connection goes to the very address checked, so a name that resolves
elsewhere a second time (DNS rebinding) gains nothing. Redirects are not followed, timeouts are short and at
most RESPONSE_KEPT bytes of an answer are read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
RESPONSE_KEPT = 300


class Refused(Exception):
    """The address may not be sent to; the message says why, for the person who registered it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    body: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def address_allowed(address: str) -> bool:
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def target(url: str) -> Target:
    """The URL's host resolved and checked; the first allowed address, or Refused naming the problem."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("Enter an address starting with https:// and a host name."))
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        raise Refused(_("Use https:// for webhook endpoints."))
    if parts.username or parts.password:
        raise Refused(_("Leave the user name and password out of the address; the signature proves the sender."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(_("The port in the address is not a number between 1 and 65535.")) from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(_("The host name %(host)s cannot be found.") % {"host": parts.hostname}) from None
    addresses = [info[4][0] for info in found]
    refused = [address for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        raise Refused(
            _("%(host)s leads to an address inside a private network (%(address)s), which webhooks may not reach.")
            % {"host": parts.hostname, "address": (refused or ["?"])[0]}
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while the Host header names the host."""

    def __init__(self, target: Target):
        super().__init__(target.host, target.port, timeout=READ_TIMEOUT)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=CONNECT_TIMEOUT)
        self.sock.settimeout(READ_TIMEOUT)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        super().connect()
        # The certificate is checked against the host name, not the address connected to.
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` once to the checked address; never raises for network trouble (the Answer says)."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Content-Type": "application/json"})
        response = connection.getresponse()
        kept = response.read(RESPONSE_KEPT)
        return Answer(response.status, kept.decode("utf-8", "replace"), _elapsed(started))
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, "", _elapsed(started), error=(type(error).__name__ + ": " + str(error))[:200])
    finally:
        connection.close()


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
