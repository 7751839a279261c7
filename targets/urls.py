from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("county/<str:code>/", views.CountyDashboardView.as_view(), name="county"),
    path("indicators/<slug:code>/", views.IndicatorDetailView.as_view(), name="indicator"),
    path("indicators/<slug:code>/reconciliation/", views.ReconciliationView.as_view(), name="reconciliation"),
    path("indicators/<slug:code>/report/", views.ManualValueCreateView.as_view(), name="report"),
    path("indicators/<slug:code>/allocation/", views.AllocationView.as_view(), name="allocation"),
    path("recompute/", views.RecomputeView.as_view(), name="recompute"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run"),
    path("runs/<int:pk>/status/", views.RunStatusView.as_view(), name="run_status"),
]
