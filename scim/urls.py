"""The SCIM 2.0 service of an organisation's host (see scim.views)."""

from django.urls import path, re_path

from scim import views

urlpatterns = [
    path("scim/v2/ServiceProviderConfig", views.spc_view, name="scim_service_provider_config"),
    path("scim/v2/ResourceTypes", views.resource_types_view, name="scim_resource_types"),
    path("scim/v2/ResourceTypes/<str:name>", views.resource_type_view, name="scim_resource_type"),
    path("scim/v2/Schemas", views.schemas_view, name="scim_schemas"),
    path("scim/v2/Schemas/<str:schema_id>", views.schema_view, name="scim_schema"),
    path("scim/v2/Users", views.users_view, name="scim_users"),
    path("scim/v2/Users/.search", views.users_search_view, name="scim_users_search"),
    path("scim/v2/.search", views.search_view, name="scim_search"),
    path("scim/v2/Users/<str:pk>", views.user_view, name="scim_user"),
    path("scim/v2/Groups", views.groups_view, name="scim_groups"),
    path("scim/v2/Groups/.search", views.groups_search_view, name="scim_groups_search"),
    path("scim/v2/Groups/<str:pk>", views.group_view, name="scim_group"),
    re_path(r"^scim/v2/(?P<rest>.*)$", views.not_found_view, name="scim_not_found"),
]
