"""Fetching an address someone gave us (a coach's calendar) without becoming a way into our own network.

Server-side request forgery rules: only http and https (webcal is https); the host name is resolved once
and every address it resolves to must be public (not loopback, private, link-local, shared, reserved or
multicast), unless OUTBOUND_ALLOW_PRIVATE_ADDRESSES is on (development, so a calendar served on one's own
machine can be read); cloud metadata addresses are refused always. The connection goes to the address
that was checked (a second lookup cannot swap it: DNS rebinding), redirects are followed only a few times
and each new address is checked again, the whole exchange has a short timeout and the body a size limit.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 10
MOST_BYTES = 2 * 1024 * 1024
MOST_REDIRECTS = 3
# Instance metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba): never, not even in development.
METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class FetchRefused(Exception):
    """The address may not be fetched, or fetching failed; `message` says why, for the person who gave it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalised(url: str) -> str:
    """webcal:// as https://, and nothing but http(s) with a host."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(_("Give an address that starts with https://, http:// or webcal://."))
    if parts.username or parts.password:
        raise FetchRefused(_("Give the address without a user name or password in it."))
    return url


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA:
        return False
    if address.is_global:
        return True
    if address.is_multicast or address.is_unspecified:
        return False
    return bool(settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES)


def checked_address(host: str, port: int) -> str:
    """The one address to connect to for `host`: each it resolves to must be allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(_("The address's host name %(host)s cannot be found.") % {"host": host}) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise FetchRefused(
            _("The address points into a private network (%(host)s); give a calendar address on the internet.")
            % {"host": host}
        )
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, accept: str = "text/calendar, */*;q=0.5") -> bytes:
    """GET `url` under the rules above; the body, or FetchRefused saying what went wrong."""
    url = normalised(url)
    for _hop in range(MOST_REDIRECTS + 1):
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        address = checked_address(parts.hostname, port)
        kind = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
        connection = kind(parts.hostname, port, address, timeout=TIMEOUT_SECONDS)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers={"Accept": accept, "User-Agent": "coaching-portal-calendar/1.0"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = normalised(urljoin(url, response.getheader("Location")))
                continue
            if response.status != 200:
                raise FetchRefused(
                    _("The calendar address answered %(status)d instead of the calendar.") % {"status": response.status}
                )
            body = response.read(MOST_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            raise FetchRefused(
                _("The calendar could not be read (%(reason)s).") % {"reason": error.__class__.__name__}
            ) from None
        finally:
            connection.close()
        if len(body) > MOST_BYTES:
            raise FetchRefused(
                _("The calendar is larger than %(size)d MB; give an address of a smaller one.")
                % {"size": MOST_BYTES // (1024 * 1024)}
            )
        return body
    raise FetchRefused(_("The calendar address redirects too often."))
