"""An organisation's host: its pages, fragments and the API under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from portal import api
from portal import views as portal_views
from portal.urls_common import urlpatterns as common
from tenants import views as tenant_views
from tenants import views_two_factor
from tenants.api import tokens as tenant_api

handler404 = "portal.views.not_found"

api_patterns = [
    path("auth/token/", api.token_obtain, name="api_token"),
    path("auth/tokens/", tenant_api.ApiTokenViewSet.as_view({"get": "list", "post": "create"}), name="api_tokens"),
    path(
        "auth/tokens/<int:pk>/",
        tenant_api.ApiTokenViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="api_token_detail",
    ),
    path("me/", api.me, name="api_me"),
    path("schema/", api.SchemaView.as_view(), name="api_schema"),
    # The split view serves its start-up script from a URL, so the Content-Security-Policy needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("tenants.urls_api")),
    path("", include("programmes.urls_api")),
    path("", include("assessments.urls_api")),
    path("", include("reports.urls_api")),
    path("", include("webhooks.urls_api")),
    path("", include("scim.urls_api")),
    path("", include("matching.urls_api")),
    path("", include("stakeholders.urls_api")),
    path("", include("sso.urls_api")),
]

urlpatterns = common + [
    path("", portal_views.home, name="home"),
    path("handoff/", tenant_views.handoff, name="handoff"),
    path("handoff/begin/", tenant_views.handoff_begin, name="handoff_begin"),
    path("invitation/<str:token>/", tenant_views.invitation_accept, name="invitation_accept"),
    path("account/tokens/", tenant_views.api_tokens, name="api_tokens_page"),
    path("account/tokens/<int:pk>/revoke/", tenant_views.api_token_revoke, name="api_token_revoke"),
    path("people/", tenant_views.people, name="people"),
    path("settings/", tenant_views.organisation_settings, name="organisation_settings"),
    path("branding/logo", tenant_views.organisation_logo, name="organisation_logo"),
    path("people/<int:pk>/revoke/", tenant_views.membership_revoke, name="membership_revoke"),
    path(
        "people/<int:pk>/two-factor-reset/",
        views_two_factor.membership_two_factor_reset,
        name="membership_two_factor_reset",
    ),
    path("people/invitations/<uuid:pk>/resend/", tenant_views.invitation_resend, name="invitation_resend"),
    path("people/invitations/<uuid:pk>/cancel/", tenant_views.invitation_cancel, name="invitation_cancel"),
    path("api/v1/", include(api_patterns)),
    path("", include("programmes.urls")),
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("", include("webhooks.urls")),
    path("", include("scim.urls")),
    path("", include("matching.urls")),
    path("", include("stakeholders.urls")),
    path("", include("sso.urls")),
]
