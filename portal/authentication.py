"""API authentication. Kept apart from portal.api, which DRF's settings must not import."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from portal import policy
from tenants import tokens

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
KEYWORDS = (b"token", b"bearer")


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = "This API token is read-only: it may only read (GET, HEAD, OPTIONS), not change anything."
    default_code = "read_only_token"


class MemberTokenAuthentication(BaseAuthentication):
    """A personal API token (`Authorization: Token <token>`, or `Bearer <token>`), valid only on the hosts of
    organisations where its owner is an active member, and there for what that membership grants.

    A read-only token is refused (403) for any method other than GET, HEAD and OPTIONS.
    """

    keyword = "Token"

    def authenticate(self, request):
        token = _token_from_header(request)
        if token is None:
            return None
        django_request = request._request
        organisation = getattr(getattr(django_request, "actor", None), "organisation", None)
        roles = policy.roles_of(token.user, organisation)
        if organisation is None or not roles:
            raise exceptions.AuthenticationFailed("This token is not valid for this organisation.")
        django_request.actor = policy.Actor(user=token.user, organisation=organisation, roles=roles)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class PersonTokenAuthentication(MemberTokenAuthentication):
    """On the public host, where no organisation is in play: a token stands for its person, for their own
    views across organisations (the coach's workspace, their organisations and invitations). On an
    organisation's host it does nothing: MemberTokenAuthentication decides there."""

    def authenticate(self, request):
        if getattr(getattr(request._request, "actor", None), "organisation", None) is not None:
            return None
        token = _token_from_header(request)
        if token is None:
            return None
        request._request.actor = policy.Actor(user=token.user)
        return token.user, token


def _token_from_header(request):
    """The live token the request's Authorization header names (None when it names none), after the
    read-only rule and with its use recorded; a malformed, unknown, expired or revoked one is refused."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() not in KEYWORDS:
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed("Invalid token header: give the token after the word Token.")
    try:
        raw = parts[1].decode()
    except UnicodeError:
        raise exceptions.AuthenticationFailed("Invalid token header: the token has characters no token has.") from None
    token = tokens.token_find(raw)
    if token is None:
        raise exceptions.AuthenticationFailed("Invalid token: it is unknown, expired or revoked.")
    if token.read_only and request.method not in SAFE_METHODS:
        raise ReadOnlyToken()
    tokens.token_used(token)
    request._request.api_token = token
    return token
