"""Reading a coach's calendar from the address they gave, under the portal's server-side request forgery
rules (portal/outbound.py): webcal:// is read as https://, every address the host resolves to is checked,
the connection goes to the address checked, up to MOST_REDIRECTS redirects are followed (each new address
checked again), the exchange has a short timeout and the body a size limit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from portal import outbound

TIMEOUT_SECONDS = 10
MOST_BYTES = 2 * 1024 * 1024
MOST_REDIRECTS = 3


class FetchRefused(Exception):
    """The address may not be fetched, or fetching failed; `message` says why, for the person who gave it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refused(blocked: outbound.Blocked) -> FetchRefused:
    if isinstance(blocked, outbound.HostNotFound):
        return FetchRefused(_("The address's host name %(host)s cannot be found.") % {"host": blocked.host})
    if isinstance(blocked, outbound.PrivateAddress):
        return FetchRefused(
            _("The address points into a private network (%(host)s); give a calendar address on the internet.")
            % {"host": blocked.host}
        )
    if getattr(blocked, "problem", "") == "credentials":
        return FetchRefused(_("Give the address without a user name or password in it."))
    if getattr(blocked, "problem", "") == "port":
        return FetchRefused(_("The address's port is not a number."))
    return FetchRefused(_("Give an address that starts with https://, http:// or webcal://."))


def normalised(url: str) -> str:
    """webcal:// as https://, and nothing but http(s) with a host."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(outbound.BadAddress("scheme"))
    if parts.username or parts.password:
        raise _refused(outbound.BadAddress("credentials"))
    return url


def checked(url: str) -> outbound.Target:
    """Where `url` (normalised) may be read from: its host resolved and every address checked."""
    try:
        return outbound.target(url)
    except outbound.Blocked as blocked:
        raise _refused(blocked) from None


def fetch(url: str, *, accept: str = "text/calendar, */*;q=0.5") -> bytes:
    """GET `url` under the rules above; the body, or FetchRefused saying what went wrong."""
    try:
        response = outbound.request(
            checked(normalised(url)),
            headers={"Accept": accept, "User-Agent": "coaching-portal-calendar/1.0"},
            connect_timeout=TIMEOUT_SECONDS,
            read_timeout=TIMEOUT_SECONDS,
            most_bytes=MOST_BYTES,
            redirects=MOST_REDIRECTS,
        )
    except outbound.Blocked as blocked:
        raise _refused(blocked) from None
    except outbound.Unreachable as failed:
        raise FetchRefused(
            _("The calendar could not be read (%(reason)s).") % {"reason": failed.cause.__class__.__name__}
        ) from None
    if response.status in outbound.REDIRECT_STATUSES and response.location:
        raise FetchRefused(_("The calendar address redirects too often."))
    if response.status != 200:
        raise FetchRefused(
            _("The calendar address answered %(status)d instead of the calendar.") % {"status": response.status}
        )
    if not response.complete:
        raise FetchRefused(
            _("The calendar is larger than %(size)d MB; give an address of a smaller one.")
            % {"size": MOST_BYTES // (1024 * 1024)}
        )
    return response.body
