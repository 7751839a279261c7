"""URLs of the listing pipeline under ``/enterprises/listings/`` (names ``enterprises:listing*``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("listings/", views.PipelineView.as_view(), name="listings"),
    path("listings/proposals/", views.ProposalsView.as_view(), name="listing_proposals"),
    path("listings/new/", views.EntryCreateView.as_view(), name="listing_entry_create"),
    path("listings/<int:pk>/", views.EntryDetailView.as_view(), name="listing_entry"),
    path("listings/<int:pk>/edit/", views.EntryUpdateView.as_view(), name="listing_entry_update"),
    path("listings/<int:pk>/steps/new/", views.StepCreateView.as_view(), name="listing_step_create"),
    path("listings/<int:pk>/actions/new/", views.ActionCreateView.as_view(), name="listing_action_create"),
]
