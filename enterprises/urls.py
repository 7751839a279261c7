from django.urls import path

from . import views
from .dynamics import urls as dynamics_urls
from .imports import views as import_views
from .listings import urls as listings_urls

app_name = "enterprises"

urlpatterns = [
    path("", views.EnterpriseListView.as_view(), name="list"),
    path("new/", views.EnterpriseCreateView.as_view(), name="create"),
    path("ladder/", views.LadderView.as_view(), name="ladder"),
    path("imports/", import_views.ImportListView.as_view(), name="import_list"),
    path("imports/template/", import_views.ImportTemplateView.as_view(), name="import_template"),
    path("imports/upload/", import_views.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/status/", import_views.ImportStatusView.as_view(), name="import_status"),
    path("imports/<int:pk>/confirm/", import_views.ImportConfirmView.as_view(), name="import_confirm"),
    path("imports/<int:pk>/undo/", import_views.ImportUndoView.as_view(), name="import_undo"),
    # Listing pipeline (上市后备企业库): enterprises/listings/urls.py
    *listings_urls.urlpatterns,
    path("<int:pk>/", views.EnterpriseDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EnterpriseUpdateView.as_view(), name="update"),
    path("<int:pk>/titles/new/", views.TitleFormView.as_view(), name="title_create"),
    path("<int:pk>/titles/<int:child_pk>/edit/", views.TitleFormView.as_view(), name="title_update"),
    path("<int:pk>/statistics/new/", views.StatisticFormView.as_view(), name="statistic_create"),
    path("<int:pk>/statistics/<int:child_pk>/edit/", views.StatisticFormView.as_view(), name="statistic_update"),
    path("<int:pk>/rd/new/", views.RDInstitutionFormView.as_view(), name="rd_create"),
    path("<int:pk>/rd/<int:child_pk>/edit/", views.RDInstitutionFormView.as_view(), name="rd_update"),
    path("<int:pk>/listings/new/", views.ListingRecordFormView.as_view(), name="listing_create"),
    path("<int:pk>/listings/<int:child_pk>/edit/", views.ListingRecordFormView.as_view(), name="listing_update"),
    path("<int:pk>/<str:kind>/<int:child_pk>/delete/", views.ChildDeleteView.as_view(), name="child_delete"),
    # Dynamic management (到期与复核, 后备库, pre-check, criteria): enterprises/dynamics/urls.py
    *dynamics_urls.urlpatterns,
]
