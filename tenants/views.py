"""Pages for signing in, moving between organisations, people and platform administration."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from portal import navigation, policy, throttling
from portal.forms import form_submit
from portal.middleware import public_asset
from sso import selectors as sso_selectors
from tenants import selectors, services, tokens, two_factor, views_two_factor
from tenants.forms import (
    ApiTokenForm,
    InviteForm,
    LanguageForm,
    OrganisationForm,
    OrganisationSettingsForm,
    SignInForm,
    TwoFactorResetForm,
)
from tenants.models import ApiToken, Invitation, Membership, User

PEOPLE_PER_PAGE = 50
INVITATIONS_SHOWN = 200


class SignInView(LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # "Sign in with <provider>" for each of the organisation's enabled identity providers.
        organisation = policy.current_actor(self.request).organisation
        return super().get_context_data(
            sso_providers=sso_selectors.providers_for_sign_in(organisation=organisation), **kwargs
        )

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.enabled(user):
            return views_two_factor.code_step_start(self.request, user, self.get_success_url())
        services.session_sign_in(self.request, user)
        return redirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """The reset link goes out within the limits (per address and per client); the page is the same
    either way, and the same whether or not the address has an account."""

    def form_valid(self, form):
        if throttling.password_reset_allowed(request=self.request, email=form.cleaned_data["email"]):
            return super().form_valid(form)
        return redirect(self.get_success_url())


@require_GET
@policy.page()
def organisation_open(request: HttpRequest, slug: str) -> HttpResponse:
    """Public host: carry the signed-in user into one of their organisations with a handoff ticket.

    Two legs: first the organisation host marks this browser (`handoff_begin`), then this view makes the
    ticket bound to that mark. The `state` cookie here makes sure the second leg continues a first leg
    this browser started, not a link someone else prepared.
    """
    # Entering needs a membership there; seeing an organisation (platform staff) is not enough.
    membership = (
        policy.scope(request.actor, Membership)
        .filter(is_active=True, organisation__is_active=True, organisation__slug=slug)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        raise Http404(policy.NOT_FOUND)
    organisation = membership.organisation
    next_path = request.GET.get("next", "/")
    binding = request.GET.get("binding", "")
    if binding:
        if not constant_time_compare(
            request.COOKIES.get(services.HANDOFF_COOKIE, ""), request.GET.get("state", "") or "-"
        ):
            messages.error(request, _("Your browser did not keep the sign-in cookie. Please try again."))
            return redirect("home")
        token = services.handoff_create(
            user=request.user,
            organisation=organisation,
            binding=binding,
            next_path=next_path,
            second_factor=request.session.get(two_factor.SESSION_KEY) == two_factor.VERIFIED,
        )
        response = redirect(
            services.organisation_url(organisation, f"/handoff/?{urlencode({'token': token})}", request=request)
        )
        response.delete_cookie(services.HANDOFF_COOKIE)
        return response
    state = services.handoff_nonce()
    query = urlencode({"next": next_path, "state": state})
    response = redirect(services.organisation_url(organisation, f"/handoff/begin/?{query}", request=request))
    _set_handoff_cookie(response, state)
    return response


@require_GET
def handoff_begin(request: HttpRequest) -> HttpResponse:
    """Organisation host: mark this browser with a nonce, and send it back for a ticket bound to it."""
    organisation = request.actor.organisation
    if organisation is None:
        raise Http404(policy.NOT_FOUND)
    nonce = services.handoff_nonce()
    query = urlencode(
        {
            "next": request.GET.get("next", "/"),
            "state": request.GET.get("state", ""),
            "binding": services.handoff_binding(nonce),
        }
    )
    response = redirect(services.public_url(f"/go/{organisation.slug}/?{query}", request=request))
    _set_handoff_cookie(response, nonce)
    return response


def _set_handoff_cookie(response: HttpResponse, value: str) -> None:
    # On this host only, for the ticket's minute, never readable by scripts; sent on the top-level
    # navigation between the two hosts (Lax).
    response.set_cookie(
        services.HANDOFF_COOKIE,
        value,
        max_age=settings.HANDOFF_MAX_AGE_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@require_http_methods(["GET", "POST"])
def handoff(request: HttpRequest) -> HttpResponse:
    """Organisation host: spend a handoff ticket and start a session on this host.

    When someone else is signed in here, the ticket is not spent until the person confirms the switch.
    """
    organisation = request.actor.organisation
    if organisation is None:
        raise Http404(policy.NOT_FOUND)
    token = request.POST.get("token", "") if request.method == "POST" else request.GET.get("token", "")
    nonce = request.COOKIES.get(services.HANDOFF_COOKIE, "")
    if request.method == "GET" and request.user.is_authenticated:
        pending = services.handoff_pending(token=token, organisation=organisation, nonce=nonce)
        if pending is not None and pending.user_id != request.user.pk:
            return render(request, "tenants/handoff_confirm.html", {"incoming": pending.user, "token": token})
    ticket = services.handoff_consume(token=token, organisation=organisation, nonce=nonce)
    if ticket is None:
        messages.error(request, _("That sign-in link has expired or was already used. Please sign in."))
        return redirect("login")
    if not sso_selectors.password_allowed(user=ticket.user, organisation=organisation):
        # A password session on the public host is no way round the organisation's single sign-on.
        messages.error(
            request, _("%(name)s signs you in with your organisation's account.") % {"name": organisation.name}
        )
        return redirect("login")
    try:
        services.session_sign_in(request, ticket.user, second_factor=ticket.second_factor)
    except ValidationError:
        # A session that never passed the code step carries no account with a second factor across.
        messages.error(request, _("Please sign in here with your password and a code from your app."))
        return redirect("login")
    response = redirect(ticket.next_path)
    response.delete_cookie(services.HANDOFF_COOKIE)
    return response


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Organisation host: the emailed link. A new address sets a password here and is in; an address
    whose account is in use is sent to sign in and accept on the portal's home (never a password here)."""
    organisation = request.actor.organisation
    invitation = services.invitation_from_token(token, organisation=organisation) if organisation else None
    if invitation is None:
        return render(request, "tenants/invitation_invalid.html", status=404)
    if request.method == "POST" and "decline" in request.POST:
        # Whoever the email reached may say no, with or without an account.
        try:
            services.invitation_decline(invitation=invitation, user=None)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("You declined the invitation from %(organisation)s.")
                % {"organisation": invitation.organisation.name},
            )
        return redirect("login")
    account = services.invitation_account(invitation)
    if services.account_in_use(account):
        return render(
            request,
            "tenants/invitation_sign_in.html",
            {"invitation": invitation, "sign_in": services.public_url("/login/?next=/", request=request)},
        )
    person = account or User(email=invitation.email, first_name=invitation.first_name, last_name=invitation.last_name)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_with_password(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("login")
        logout(request)
        services.session_sign_in(request, user)
        messages.success(request, _("Welcome! Your password is set."))
        return redirect("home")
    return render(request, "tenants/invitation_accept.html", {"form": form, "invitation": invitation})


@require_POST
@policy.page()
def my_invitation_accept(request: HttpRequest, pk: str) -> HttpResponse:
    """Public host: the signed-in person accepts an invitation to their address."""
    invitation = policy.get_or_404(request.actor, Invitation, pk=pk)
    try:
        services.invitation_accept(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("You joined %(organisation)s.") % {"organisation": invitation.organisation.name})
    return redirect("home")


@require_POST
@policy.page()
def my_invitation_decline(request: HttpRequest, pk: str) -> HttpResponse:
    """Public host: the signed-in person declines; the organisation's HR sees the invitation end."""
    invitation = policy.get_or_404(request.actor, Invitation, pk=pk)
    try:
        services.invitation_decline(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("You declined the invitation from %(organisation)s.") % {"organisation": invitation.organisation.name},
        )
    return redirect("home")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language on the account (signed in) or in a cookie (signed out)."""
    form = LanguageForm(request.POST)
    if form.is_valid() and request.user.is_authenticated:
        request.user.language = form.cleaned_data["language"]
        request.user.save(update_fields=["language"])
    return set_language(request)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Public host home: the product for visitors, "my organisations" for signed-in people."""
    organisations, invitations = [], []
    if request.user.is_authenticated:
        invitations = selectors.my_invitations(actor=request.actor)
        entries = selectors.my_organisations(user=request.user)
        for entry in entries:
            organisation = entry["organisation"]
            organisations.append(
                {"name": organisation.name, "roles": entry["roles"], "url": f"/go/{organisation.slug}/"}
            )
        # The memberships are at hand: the menu learns of a role gained or lost since sign-in.
        navigation.remember_roles_anywhere(request, {code for entry in entries for code in entry["codes"]})
    return render(request, "portal/landing.html", {"my_organisations": organisations, "invitations": invitations})


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def people(request: HttpRequest) -> HttpResponse:
    """HR: everyone with a role here, the open invitations, and inviting someone new."""
    form = InviteForm(request.POST or None)
    if form_submit(
        request,
        form,
        partial(services.invitation_create, organisation=request.actor.organisation, acting_user=request.user),
    ):
        messages.success(request, _("%(email)s is invited.") % {"email": form.cleaned_data["email"]})
        return redirect("people")
    role = request.GET.get("role") if request.GET.get("role") in policy.ROLES else None
    search = request.GET.get("q", "").strip()[:100]
    memberships = selectors.people_list(actor=request.actor, role=role, search=search)
    page = Paginator(memberships, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "memberships": page.object_list,
        "form": form,
        "role": role,
        "q": search,
        "roles": Membership._meta.get_field("role").choices,
        "invitations": selectors.invitations_pending(actor=request.actor)[:INVITATIONS_SHOWN],
    }
    # The filters swap only the table (htmx); the whole page otherwise.
    template = "tenants/people_rows.html" if request.htmx and request.method == "GET" else "tenants/people.html"
    return render(request, template, context)


@require_POST
@policy.page(policy.HR_MANAGER)
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = policy.get_or_404(request.actor, Membership, pk=pk)
    try:
        services.membership_revoke(membership=membership, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The role was removed."))
    return redirect("people")


@require_POST
@policy.page(policy.HR_MANAGER)
def invitation_resend(request: HttpRequest, pk: str) -> HttpResponse:
    return _invitation_change(request, pk, services.invitation_resend, _("The invitation to %(email)s is sent again."))


@require_POST
@policy.page(policy.HR_MANAGER)
def invitation_cancel(request: HttpRequest, pk: str) -> HttpResponse:
    return _invitation_change(request, pk, services.invitation_cancel, _("The invitation to %(email)s is cancelled."))


def _invitation_change(request: HttpRequest, pk: str, change, done: str) -> HttpResponse:
    invitation = policy.get_or_404(request.actor, Invitation, pk=pk)
    try:
        change(actor=request.actor, invitation=invitation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done % {"email": invitation.email})
    return redirect("people")


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def organisation_settings(request: HttpRequest) -> HttpResponse:
    """HR: branding (logo, colour), language, support contact and the cancellation notice."""
    organisation = request.actor.organisation
    form = OrganisationSettingsForm(request.POST or None, request.FILES or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(organisation=organisation, form=form, acting_user=request.user)
        messages.success(request, _("The settings are saved."))
        return redirect("organisation_settings")
    return render(request, "tenants/organisation_settings.html", {"form": form})


@require_GET
@public_asset
def organisation_logo(request: HttpRequest) -> HttpResponse:
    """The organisation's logo, served from the database-backed storage of this host only."""
    organisation = request.actor.organisation
    if organisation is None or not organisation.logo:
        raise Http404(policy.NOT_FOUND)
    response = FileResponse(organisation.logo.open("rb"), content_type=_logo_type(organisation.logo.name))
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _logo_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}.get(
        extension, "application/octet-stream"
    )


@require_http_methods(["GET", "POST"])
@policy.page(platform_staff=True)
def platform_organisations(request: HttpRequest) -> HttpResponse:
    """Platform staff: every organisation, and provisioning a new one."""
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(name)s is ready.") % {"name": organisation.name})
            return redirect("platform_organisations")
    context = {
        "organisations": selectors.organisations_list(actor=request.actor),
        "form": form,
        "reset_form": TwoFactorResetForm(auto_id="reset_%s"),
        "events": selectors.platform_events(actor=request.actor, limit=20),
    }
    return render(request, "tenants/platform_organisations.html", context)


@require_http_methods(["GET", "POST"])
@policy.page()
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Everyone's own personal API tokens: make one (shown once, on this answer only), see and revoke them."""
    form = ApiTokenForm(request.POST or None)
    submitted = form_submit(
        request,
        form,
        partial(tokens.token_create, user=request.user, organisation=request.actor.organisation),
    )
    issued = submitted.result if submitted else None
    if issued is not None:
        form = ApiTokenForm()
    context = {
        "form": form,
        "issued": issued,
        "tokens": policy.scope(request.actor, ApiToken).filter(revoked_at__isnull=True),
        "now": timezone.now(),
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "tenants/api_tokens.html", context)


@require_POST
@policy.page()
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = policy.get_or_404(request.actor, ApiToken, pk=pk, revoked_at__isnull=True)
    tokens.token_revoke(user=request.user, token=token, organisation=request.actor.organisation)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens_page")
