from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="list"),
    path("new/", views.PolicyEditView.as_view(), name="create"),
    path("<int:pk>/", views.PolicyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.PolicyEditView.as_view(), name="edit"),
    path("<int:pk>/conditions/new/", views.ConditionCreateView.as_view(), name="condition_create"),
    path(
        "<int:pk>/conditions/<int:condition_pk>/delete/", views.ConditionDeleteView.as_view(), name="condition_delete"
    ),
    path("<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="attachment_delete",
    ),
    path("<int:pk>/matches/", views.PolicyMatchesView.as_view(), name="matches"),
    path("<int:pk>/matches/<int:enterprise_pk>/", views.MatchDetailView.as_view(), name="match_detail"),
]

urlpatterns += [
    path("<int:pk>/push/", views.PushView.as_view(), name="push"),
    path("todos/", views.PushListView.as_view(), name="push_list"),
    path("todos/<int:pk>/", views.PushDetailView.as_view(), name="push_detail"),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("ledger/new/", views.GrantCreateView.as_view(), name="grant_create"),
    path("indicators/", views.IndicatorView.as_view(), name="indicators"),
]
