"""Two-factor sign-in in the test world: coaches and platform staff have an authenticator (as their roles
require), set up with the demo's published key, so tests and browser journeys can compute its codes."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants import demo
from tenants.demo_totp import code_after
from tenants.models import User


def two_factor_world(world) -> None:
    for user in (world.acme.coach, world.globex.coach, world.coach_both, world.staff):
        demo.demo_device_ensure(user)


def code_for(user: User) -> str:
    """A code the portal accepts now for `user` (whose authenticator holds the demo key)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_after(device.last_t)[0]


def token_payload(user: User, password: str) -> dict:
    """What a script sends for an API token: email and password, and the app's code where the account has one."""
    payload = {"email": user.email, "password": password}
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        payload["code"] = code_for(user)
    return payload


def through_the_code_step(client, user: User, response):
    """After the password step's `response`: the code step too, where the account asks for one."""
    if response.status_code == 302 and response["Location"] == "/login/code/":
        return client.post("/login/code/", {"code": code_for(user)})
    return response
