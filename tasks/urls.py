from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.MatrixView.as_view(), name="matrix"),
    path("export/", views.MatrixExportView.as_view(), name="export"),
    path("mine/", views.MyTasksView.as_view(), name="mine"),
    path("new/", views.TaskEditView.as_view(), name="task_create"),
    path("lateness/", views.LatenessView.as_view(), name="lateness"),
    path("lateness/remind/", views.ReminderSendView.as_view(), name="remind"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/review/", views.ReportReviewView.as_view(), name="report_review"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="attachment_delete"),
    path("<slug:code>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("<slug:code>/edit/", views.TaskEditView.as_view(), name="task_edit"),
    path("<slug:code>/<str:period>/report/", views.ReportEditView.as_view(), name="report_edit"),
]
