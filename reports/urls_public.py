from django.urls import path

from reports.views import platform

urlpatterns = [
    path("platform/offboarding/", platform.offboarding_list, name="platform_offboarding"),
    path("platform/offboarding/archives/<str:name>/", platform.archive_download, name="platform_archive_download"),
    path("platform/offboarding/<slug:slug>/", platform.offboard, name="platform_offboard"),
    path("platform/offboarding/<slug:slug>/export/", platform.offboard_export, name="platform_offboard_export"),
    path("platform/offboarding/<slug:slug>/delete/", platform.offboard_delete, name="platform_offboard_delete"),
    path("platform/audit/", platform.platform_audit, name="platform_audit"),
]
