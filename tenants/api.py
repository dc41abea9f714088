"""The API of an organisation's settings, for its HR managers: the same fields, rules and audit as the page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from portal import policy
from portal.api import actor_of
from tenants import services
from tenants.forms import OrganisationSettingsForm
from tenants.models import Organisation

# Everything on the settings page but the logo, which is uploaded on the page.
SETTINGS_FIELDS = [field for field in OrganisationSettingsForm._meta.fields if field != "logo"]


class OrganisationSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = SETTINGS_FIELDS


@extend_schema(request=OrganisationSettingsSerializer, responses=OrganisationSettingsSerializer)
@api_view(["GET", "PATCH"])
def organisation_settings(request: Request) -> Response:
    """HR: this organisation's settings (language, colour, support contact, cancellation notice, retention,
    whether HR managers must use two-factor sign-in). PATCH changes the fields sent; each change is audited."""
    actor = actor_of(request)
    policy.require(actor, policy.HR_MANAGER)
    organisation = actor.organisation
    if request.method == "PATCH":
        unknown = sorted(set(request.data) - set(SETTINGS_FIELDS))
        if unknown:
            raise exceptions.ValidationError({name: ["Not a setting that can be changed here."] for name in unknown})
        typed = OrganisationSettingsSerializer(organisation, data=request.data, partial=True)
        typed.is_valid(raise_exception=True)
        # The page's form holds the rules (bounds, formats) and the audit: the API goes through it too.
        current = {name: getattr(organisation, name) for name in SETTINGS_FIELDS}
        form = OrganisationSettingsForm({**current, **typed.validated_data}, instance=organisation)
        if not form.is_valid():
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        organisation = services.organisation_update(organisation=organisation, form=form, acting_user=actor.user)
    return Response(OrganisationSettingsSerializer(organisation).data)
