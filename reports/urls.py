from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/status/", views.ReportStatusView.as_view(), name="status"),
    path("<int:pk>/download/", views.ReportDownloadView.as_view(), name="download"),
    path("export/enterprises/", views.EnterpriseExportView.as_view(), name="export_enterprises"),
    path("exports/<int:pk>/", views.ListExportDetailView.as_view(), name="export_detail"),
    path("exports/<int:pk>/status/", views.ListExportStatusView.as_view(), name="export_status"),
    path("exports/<int:pk>/download/", views.ListExportDownloadView.as_view(), name="export_download"),
    path("titles/", views.TitleListView.as_view(), name="titles"),
    path("titles/export/", views.TitleExportView.as_view(), name="export_titles"),
    path("statistics/", views.StatisticListView.as_view(), name="statistics"),
    path("statistics/export/", views.StatisticExportView.as_view(), name="export_statistics"),
]
