from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("oidc/login/", views.SSOLoginView.as_view(), name="oidc_login"),
    path("oidc/callback/", views.SSOCallbackView.as_view(), name="oidc_callback"),
]
