"""Reaching an address someone gave us (a webhook endpoint, a coach's calendar) without becoming a way into
our own network: the one set of server-side request forgery rules.

- Only http and https, with a host and no user name or password in the address.
- The host is resolved once and every address it resolves to is checked (`address_allowed`): loopback,
  private, link-local, shared (100.64.0.0/10), reserved and other non-global addresses are refused unless
  OUTBOUND_ALLOW_PRIVATE_ADDRESSES is on (development: on outside production, so `make run` can reach
  127.0.0.1); cloud metadata addresses, multicast and the unspecified address are refused always. IPv4
  addresses written as IPv6 (::ffff:10.0.0.1) are judged as the IPv4 address they are.
- The connection goes to the very address checked, the Host header and the TLS certificate still name the
  host, so a second lookup that answers otherwise (DNS rebinding) gains nothing.
- Redirects are followed only as often as the caller says (none by default), each new address checked
  again; timeouts and the most bytes read are the caller's too.
- Several requests to one checked address may share a kept-alive connection (`Connection`): it connects
  to that address only, and is closed rather than drained when an answer is longer than the caller reads.

The exceptions carry what was wrong, not words: each feature says it in its own terms to its own people.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

# Instance metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba): never, not even in development.
METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class Blocked(Exception):
    """The address may not be reached, or is not an address we reach at all."""


class BadAddress(Blocked):
    """Not an http(s) address with a host (`problem` "scheme"), one with credentials in it ("credentials"),
    or one whose port is not a number ("port")."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


class HostNotFound(Blocked):
    def __init__(self, host: str):
        super().__init__(host)
        self.host = host


class PrivateAddress(Blocked):
    """`host` resolves to `address`, which is refused (or to nothing at all, then `address` is "?")."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} ({address})")
        self.host = host
        self.address = address


class Unreachable(Exception):
    """The exchange failed on the way (connection, TLS, timeout, a broken answer); `cause` is the error."""

    def __init__(self, cause: Exception):
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


@dataclass(frozen=True)
class Response:
    status: int
    location: str  # the Location header, "" when there is none
    body: bytes  # at most `most_bytes` of it
    complete: bool  # False when the body was longer than `most_bytes`
    target: Target  # where it came from, after any redirects followed


def private_allowed() -> bool:
    return bool(settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES)


def address_allowed(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """May the portal connect to this IP address (a zone like %eth0 allowed and ignored)?"""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA or ip.is_multicast or ip.is_unspecified:
        return False
    return ip.is_global or private_allowed()


def checked_address(host: str, port: int) -> str:
    """The one address to connect to for `host`: every address it resolves to must be allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise HostNotFound(host) from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise PrivateAddress(host, "?")
    for address in addresses:
        if not address_allowed(address):
            raise PrivateAddress(host, address)
    return addresses[0]


def target(url: str) -> Target:
    """The address split, its host resolved and checked: where a request to `url` may go, or Blocked."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadAddress("scheme")
    if parts.username or parts.password:
        raise BadAddress("credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise BadAddress("port") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, checked_address(parts.hostname, port))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while the Host header names the host."""

    def __init__(self, target: Target, connect_timeout: float, read_timeout: float):
        super().__init__(target.host, target.port, timeout=read_timeout)
        self._address = target.address
        self._connect_timeout = connect_timeout

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=self._connect_timeout)
        self.sock.settimeout(self.timeout)
        # As http.client's own connect: headers and body go out in two writes, and on a kept-alive
        # connection Nagle's algorithm would hold the body back until the receiver's delayed ACK (40 ms).
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        super().connect()
        # The certificate is checked against the host name, not the address connected to.
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def _url(current: Target) -> str:
    host = f"[{current.host}]" if ":" in current.host else current.host
    return f"{current.scheme}://{host}:{current.port}{current.path}"


def _redirected(current: Target, location: str) -> Target:
    url = urljoin(_url(current), location.strip())
    if url.lower().startswith("webcal://"):  # a calendar's https
        url = "https://" + url[len("webcal://") :]
    return target(url)


class Connection:
    """Requests to one checked `target` over one kept-alive connection (reopened, to the same checked
    address, when the other side closes it); no redirects are followed. Use it as a context manager."""

    def __init__(self, target: Target, *, connect_timeout: float, read_timeout: float):
        self.target = target
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        self._connection = kind(target, connect_timeout, read_timeout)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._connection.close()

    def request(
        self, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None, most_bytes: int
    ) -> Response:
        """One exchange; raises Unreachable when it fails. When a kept-alive connection turns out closed by
        the other side (reset, broken pipe: it closed it while idle), the request is made once more on a
        new connection to the same checked address."""
        reused = self._connection.sock is not None
        try:
            return self._exchange(method, body, headers, most_bytes)
        except Unreachable as failed:
            if not (reused and isinstance(failed.cause, (ConnectionResetError, BrokenPipeError))):
                raise
        return self._exchange(method, body, headers, most_bytes)

    def _exchange(self, method, body, headers, most_bytes: int, *, following: bool = False) -> Response:
        """Send, and read at most `most_bytes` of the answer (none of a redirect that is `following`)."""
        connection = self._connection
        try:
            connection.request(method, self.target.path, body=body, headers=headers or {})
            answer = connection.getresponse()
            location = answer.getheader("Location") or ""
            followed = following and answer.status in REDIRECT_STATUSES and bool(location)
            content = b"" if followed else answer.read(most_bytes + 1)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise Unreachable(error) from None
        if not answer.isclosed():  # longer than we read: not drained, the connection is closed instead
            connection.close()
        return Response(answer.status, location, content[:most_bytes], len(content) <= most_bytes, self.target)


def request(
    target: Target,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    connect_timeout: float,
    read_timeout: float,
    most_bytes: int,
    redirects: int = 0,
) -> Response:
    """One request to the checked `target`, following at most `redirects` redirects (each new address
    resolved and checked again; a 303 turns into a GET). With none left, a redirect is the answer returned.
    Raises Blocked for a redirect to a refused address and Unreachable when the exchange fails."""
    while True:
        with Connection(target, connect_timeout=connect_timeout, read_timeout=read_timeout) as connection:
            response = connection._exchange(method, body, headers, most_bytes, following=redirects > 0)
        if response.status in REDIRECT_STATUSES and response.location and redirects > 0:
            redirects -= 1
            target = _redirected(target, response.location)
            if response.status == 303:
                method, body = "GET", None
            continue
        return response
