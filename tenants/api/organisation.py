"""The organisation's settings for HR: branding, language, support contact, the cancellation notice and
how long coaching content is kept. Checked by the same form and saved by the same service as the
settings page, so the API cannot accept what the page refuses."""

from __future__ import annotations

from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet
from tenants import services
from tenants.forms import OrganisationSettingsForm
from tenants.models import Organisation

EDITABLE = (
    "default_language",
    "accent_colour",
    "support_contact",
    "cancellation_notice_hours",
    "retention_months",
    "two_factor_required_for_hr",
)


class OrganisationSettingsSerializer(serializers.ModelSerializer):
    logo_url = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["name", "slug", "logo_url", *EDITABLE]
        read_only_fields = ["name", "slug", "logo_url"]

    def get_logo_url(self, organisation: Organisation) -> str | None:
        if not organisation.logo:
            return None
        return self.context["request"].build_absolute_uri(reverse("organisation_logo"))


class OrganisationSettingsUpdateSerializer(serializers.Serializer):
    """Any of the editable settings; those left out stay as they are."""

    default_language = serializers.CharField(required=False)
    accent_colour = serializers.CharField(required=False, help_text="A colour as #rrggbb.")
    support_contact = serializers.CharField(required=False, allow_blank=True)
    cancellation_notice_hours = serializers.IntegerField(required=False)
    retention_months = serializers.IntegerField(required=False)
    two_factor_required_for_hr = serializers.BooleanField(required=False)


class LogoUploadSerializer(serializers.Serializer):
    logo = serializers.ImageField(help_text="PNG, JPEG or WebP, at most 512 KB and 2,000 × 2,000 pixels.")


def form_errors(form) -> dict[str, list[str]]:
    """A form's refusals keyed by field, as the API answers a 400 (`detail` for the form as a whole)."""
    return {("detail" if field == "__all__" else field): list(errors) for field, errors in form.errors.items()}


@extend_schema(tags=["organisation"])
class OrganisationSettingsViewSet(PolicyViewSet):
    """HR: this organisation's settings."""

    model = Organisation
    roles = (policy.HR_MANAGER,)
    serializer_class = OrganisationSettingsSerializer
    pagination_class = None

    def _organisation(self) -> Organisation:
        return policy.get_or_404(self.actor, Organisation, pk=self.actor.organisation.pk)

    def _save(self, organisation: Organisation, data: dict, files: dict | None = None) -> Response:
        form = OrganisationSettingsForm(data, files, instance=organisation)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        services.organisation_update(organisation=organisation, form=form, acting_user=self.request.user)
        return Response(self.get_serializer(organisation).data)

    @extend_schema(summary="Read the organisation's settings")
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self._organisation()).data)

    @extend_schema(
        summary="Change the organisation's settings",
        request=OrganisationSettingsUpdateSerializer,
        responses=OrganisationSettingsSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        """HR: change any of the settings named; each is checked as on the settings page. A field that is not
        an editable setting (the name, the address) is refused, and nothing changes."""
        unknown = sorted(set(request.data) - set(EDITABLE))
        if unknown:
            raise exceptions.ValidationError({name: ["Not a setting that can be changed here."] for name in unknown})
        payload = OrganisationSettingsUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organisation = self._organisation()
        current = model_to_dict(organisation, fields=EDITABLE)
        return self._save(organisation, {**current, **payload.validated_data})


@extend_schema(tags=["organisation"])
class OrganisationLogoViewSet(OrganisationSettingsViewSet):
    """HR: the organisation's logo, uploaded as a file (multipart) or removed."""

    parser_classes = [MultiPartParser]

    @extend_schema(summary="Upload the organisation's logo", request=LogoUploadSerializer)
    def update(self, request, *args, **kwargs):
        """HR: a new logo for the top bar and the reports (multipart, field `logo`)."""
        if "logo" not in request.FILES:
            raise exceptions.ValidationError({"logo": [_("Choose an image file to upload as the logo.")]})
        organisation = self._organisation()
        return self._save(organisation, model_to_dict(organisation, fields=EDITABLE), {"logo": request.FILES["logo"]})

    @extend_schema(summary="Remove the organisation's logo", request=None)
    def destroy(self, request, *args, **kwargs):
        """HR: go back to the portal's name in the top bar."""
        organisation = self._organisation()
        return self._save(organisation, {**model_to_dict(organisation, fields=EDITABLE), "logo-clear": "on"})
