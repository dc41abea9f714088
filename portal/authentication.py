"""API authentication. Kept apart from portal.api, which DRF's settings must not import."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from portal import policy


class MemberTokenAuthentication(TokenAuthentication):
    """A token works only on the hosts of organisations where its user is an active member."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        request = self._request
        organisation = getattr(getattr(request, "actor", None), "organisation", None)
        roles = policy.roles_of(user, organisation)
        if organisation is None or not roles:
            raise exceptions.AuthenticationFailed("This token is not valid for this organisation.")
        request.actor = policy.Actor(user=user, organisation=organisation, roles=roles)
        return user, token

    def authenticate(self, request):
        self._request = request._request
        return super().authenticate(request)


class PersonTokenAuthentication(TokenAuthentication):
    """On the public host, where no organisation is in play: a token stands for its person, for their own
    views across organisations (the coach's workspace, their organisations and invitations). On an
    organisation's host it does nothing: MemberTokenAuthentication decides there."""

    def authenticate(self, request):
        if getattr(getattr(request._request, "actor", None), "organisation", None) is not None:
            return None
        authenticated = super().authenticate(request)
        if authenticated is not None:
            request._request.actor = policy.Actor(user=authenticated[0])
        return authenticated
