"""URLs every host serves: health, signing in (with its code step) and out, two-factor sign-in, password reset,
language."""

from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views as portal_views
from tenants import views as tenant_views
from tenants import views_two_factor

urlpatterns = [
    path("healthz", portal_views.healthz, name="healthz"),
    path("login/", tenant_views.SignInView.as_view(), name="login"),
    path("login/code/", views_two_factor.login_code, name="login_code"),
    path("account/two-factor/", views_two_factor.two_factor_page, name="two_factor"),
    path("account/two-factor/setup/", views_two_factor.two_factor_setup, name="two_factor_setup"),
    path(
        "account/two-factor/recovery-codes/",
        views_two_factor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("account/two-factor/disable/", views_two_factor.two_factor_disable, name="two_factor_disable"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", tenant_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/setlang/", tenant_views.language_set, name="set_language"),
]
