from django.urls import path

from reports.views import platform

urlpatterns = [
    path("offboarding/", platform.offboarding_list, name="platform_offboarding"),
    path("offboarding/archives/<str:name>/", platform.archive_download, name="platform_archive_download"),
    path("offboarding/<slug:slug>/", platform.offboard, name="platform_offboard"),
    path("offboarding/<slug:slug>/export/", platform.offboard_export, name="platform_offboard_export"),
    path("offboarding/<slug:slug>/delete/", platform.offboard_delete, name="platform_offboard_delete"),
    path("audit/", platform.platform_audit, name="platform_audit"),
]
