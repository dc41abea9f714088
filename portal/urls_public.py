"""The public host: landing, sign-in, "my organisations", the coach's workspace, platform administration."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from portal import api
from portal.urls_common import urlpatterns as common
from tenants import views as tenant_views
from tenants import views_two_factor

handler404 = "portal.views.not_found"

# The person's own views across organisations (the organisation hosts serve everything else), and their schema.
api_patterns = [
    path("schema/", api.PublicSchemaView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("tenants.urls_public_api")),
    path("", include("programmes.urls_public_api")),
    path("", include("coaches.urls_public_api")),
]

urlpatterns = common + [
    path("", tenant_views.landing, name="home"),
    path("go/<slug:slug>/", tenant_views.organisation_open, name="organisation_open"),
    path("invitations/<uuid:pk>/accept/", tenant_views.my_invitation_accept, name="my_invitation_accept"),
    path("invitations/<uuid:pk>/decline/", tenant_views.my_invitation_decline, name="my_invitation_decline"),
    path("platform/", tenant_views.platform_organisations, name="platform_organisations"),
    path("api/v1/", include(api_patterns)),
    path("platform/two-factor-reset/", views_two_factor.platform_two_factor_reset, name="platform_two_factor_reset"),
    path("", include("programmes.urls_public")),
    path("", include("reports.urls_public")),
    path("", include("coaches.urls_public")),
    path("", include("sso.urls_public")),
]
