"""Single sign-on on the public host: a typed work address leads to its organisation's provider."""

from django.urls import path

from sso import views

urlpatterns = [
    path("login/sso/", views.sso_route, name="sso_route"),
]
