from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/step/", views.RequestStepView.as_view(), name="request_step"),
    path("requests/<int:pk>/attachments/", views.RequestAttachmentUploadView.as_view(), name="attachment_upload"),
    path("attachments/<int:pk>/", views.RequestAttachmentDownloadView.as_view(), name="attachment_download"),
    path("mine/", views.MyEnterprisesView.as_view(), name="mine"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("assign/", views.BulkAssignView.as_view(), name="bulk_assign"),
    path("enterprises/<int:pk>/visit/", views.VisitCreateView.as_view(), name="visit_create"),
    path("enterprises/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
]
