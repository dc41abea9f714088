from django.urls import path

from reports import api

urlpatterns = [
    path("me/export/", api.me_export, name="api_me_export"),
]
