"""Two-factor sign-in pages: the code step, setting up an authenticator app, recovery codes, resets."""

from __future__ import annotations

import time
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import policy
from portal.forms import form_submit
from tenants import services, two_factor
from tenants.forms import CodeForm, SetupCodeForm, TwoFactorResetForm
from tenants.models import Membership, User


def code_step_start(request: HttpRequest, user: User, next_path: str) -> HttpResponse:
    """After the right password for an account with a second factor: remember who, here, for a few minutes,
    and ask for the code. Nobody is signed in yet."""
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = "/"
    request.session[two_factor.PENDING_KEY] = {
        "user": user.pk,
        "at": int(time.time()),
        "next": next_path,
        "schema": connection.schema_name,
    }
    return redirect("login_code")


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    pending = request.session.get(two_factor.PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("schema") != connection.schema_name:
        return None
    if time.time() - pending.get("at", 0) > settings.TWO_FACTOR_STEP_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending.get("next") or "/") if user is not None else None


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a recovery code."""
    pending = _pending_user(request)
    if pending is None:
        request.session.pop(two_factor.PENDING_KEY, None)
        messages.info(request, _("Please sign in with your email address and password first."))
        return redirect("login")
    user, next_path = pending
    form = CodeForm(request.POST or None)
    wait = 0
    if request.method == "POST" and form.is_valid():
        try:
            kind = two_factor.verify(user=user, code=form.cleaned_data["code"])
        except two_factor.CodeRefused as refused:
            form.add_error("code", refused.message)
            wait = refused.wait
        else:
            request.session.pop(two_factor.PENDING_KEY, None)
            services.session_sign_in(request, user, second_factor=True)
            if kind == "recovery":
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(count)s is left. Make new ones on the two-factor page.",
                        "You signed in with a recovery code; %(count)s are left. Make new ones on the two-factor page.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_path)
    response = render(request, "registration/login_code.html", {"form": form}, status=429 if wait else 200)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_GET
@policy.page()
def two_factor_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "tenants/two_factor.html",
        {
            "enabled": two_factor.enabled(user),
            "required": two_factor.required(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "form": CodeForm(auto_id="disable_%s"),
        },
    )


@require_http_methods(["GET", "POST"])
@policy.page()
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), confirm with the first code, see the recovery codes once."""
    if two_factor.enabled(request.user):
        return redirect("two_factor")
    form = SetupCodeForm(request.POST or None)
    submitted = form_submit(request, form, partial(two_factor.setup_confirm, user=request.user))
    if submitted:
        request.session[two_factor.SESSION_KEY] = two_factor.VERIFIED
        return render(request, "tenants/two_factor_codes.html", {"codes": submitted.result, "new_setup": True})
    device = two_factor.setup_device(user=request.user)
    return render(
        request,
        "tenants/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "manual_key": two_factor.manual_key(device),
            "must": request.session.get(two_factor.SESSION_KEY) == two_factor.SETUP,
        },
    )


@require_POST
@policy.page()
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    if not two_factor.enabled(request.user):
        return redirect("two_factor_setup")
    codes = two_factor.recovery_codes_regenerate(user=request.user)
    return render(request, "tenants/two_factor_codes.html", {"codes": codes, "new_setup": False})


@require_POST
@policy.page()
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST, auto_id="disable_%s")
    if form_submit(request, form, partial(two_factor.disable, user=request.user)):
        request.session.pop(two_factor.SESSION_KEY, None)
        messages.success(request, _("Two-factor sign-in is turned off."))
        return redirect("two_factor")
    context = {"enabled": True, "required": False, "codes_left": two_factor.recovery_codes_left(request.user)}
    return render(request, "tenants/two_factor.html", {**context, "form": form})


@require_POST
@policy.page(policy.HR_MANAGER)
def membership_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """HR: reset the second factor of a member of this organisation (only theirs; see two_factor.reset_allowed)."""
    membership = policy.get_or_404(request.actor, Membership, Membership.objects.select_related("user"), pk=pk)
    user = membership.user
    if not two_factor.reset_allowed(acting_user=request.user, organisation=request.actor.organisation, user=user):
        messages.error(request, _("Ask the platform's support to reset two-factor sign-in for this person."))
        return redirect("people")
    two_factor.reset(acting_user=request.user, organisation=request.actor.organisation, user=user)
    messages.success(
        request, _("Two-factor sign-in is reset for %(email)s; they were emailed.") % {"email": user.email}
    )
    return redirect("people")


@require_POST
@policy.page(platform_staff=True)
def platform_two_factor_reset(request: HttpRequest) -> HttpResponse:
    """Platform staff: reset anyone's second factor, named by email address."""
    form = TwoFactorResetForm(request.POST, auto_id="reset_%s")
    user = User.objects.filter(email=form.cleaned_data["email"]).first() if form.is_valid() else None
    if user is None or user.pk == request.user.pk:
        messages.error(request, _("No other account has that email address."))
    else:
        two_factor.reset(acting_user=request.user, organisation=None, user=user)
        messages.success(
            request, _("Two-factor sign-in is reset for %(email)s; they were emailed.") % {"email": user.email}
        )
    return redirect("platform_organisations")
