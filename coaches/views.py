"""The coach's own profile, on the public host (one profile for every organisation they serve)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coaches import services
from coaches.forms import CoachProfileForm
from portal import policy
from portal.forms import form_submit


@require_http_methods(["GET", "POST"])
@policy.page()
def coach_profile(request: HttpRequest) -> HttpResponse:
    profile = services.profile_of(actor=request.actor)
    form = CoachProfileForm.for_profile(profile, request.POST or None, request.FILES or None)

    def save(photo=None, remove_photo=False, **fields):
        return services.profile_update(actor=request.actor, photo=photo, remove_photo=remove_photo, **fields)

    if form_submit(request, form, save):
        messages.success(request, _("Your profile is saved. Organisations whose pool you joined show it to employees."))
        return redirect("coach_profile")
    return render(
        request, "coaches/profile.html", {"form": form, "profile": profile}, status=400 if form.errors else 200
    )


@require_GET
@policy.page()
def coach_profile_photo(request: HttpRequest) -> HttpResponse:
    profile = services.profile_of(actor=request.actor)
    if not profile.photo:
        raise Http404(policy.NOT_FOUND)
    return HttpResponse(bytes(profile.photo), content_type="image/jpeg")
