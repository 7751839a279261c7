from django.contrib.auth import views as auth_views
from django.urls import path

from .views import admin, auth, reveal

app_name = "accounts"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("otp/setup/", auth.OTPSetupView.as_view(), name="otp_setup"),
    path("otp/verify/", auth.OTPVerifyView.as_view(), name="otp_verify"),
    path("users/", admin.UserListView.as_view(), name="user_list"),
    path("users/new/", admin.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/edit/", admin.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/reset-password/", admin.UserResetPasswordView.as_view(), name="user_reset_password"),
    path("password-resets/", admin.PasswordResetListView.as_view(), name="password_reset_list"),
    path(
        "password-resets/<int:pk>/approve/",
        admin.PasswordResetDecisionView.as_view(approve=True),
        name="password_reset_approve",
    ),
    path(
        "password-resets/<int:pk>/reject/",
        admin.PasswordResetDecisionView.as_view(approve=False),
        name="password_reset_reject",
    ),
    path("users/<int:pk>/grants/", admin.GrantView.as_view(), name="user_grants"),
    path("users/<int:pk>/reset-otp/", admin.ResetOTPView.as_view(), name="user_reset_otp"),
    path("audit/", admin.AuditLogView.as_view(), name="audit_log"),
    path("audit/<int:pk>/", admin.AuditLogDetailView.as_view(), name="audit_detail"),
    path("audit/<int:pk>/reveal/", admin.AuditLogRevealView.as_view(), name="audit_reveal"),
    path(
        "reveal/enterprise/<int:pk>/contact/",
        reveal.RevealContactView.as_view(kind="enterprise"),
        name="reveal_enterprise_contact",
    ),
]
