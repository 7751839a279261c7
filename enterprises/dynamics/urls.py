"""URLs of dynamic management, under ``/enterprises/dynamics/`` in the ``enterprises`` namespace
(``enterprises/urls.py`` includes them, so the names stay ``enterprises:dynamics_*``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dynamics/", views.CalendarView.as_view(), name="dynamics_calendar"),
    path("dynamics/titles/<int:title_pk>/review/", views.ReviewFormView.as_view(), name="dynamics_review"),
    path("dynamics/titles/<int:title_pk>/revoke/", views.RevokeFormView.as_view(), name="dynamics_revoke"),
    path("dynamics/reserve/", views.ReservePoolView.as_view(), name="dynamics_reserve"),
    path("dynamics/reserve/todos/", views.ReserveTodosView.as_view(), name="dynamics_reserve_todos"),
    path("dynamics/reserve/recommend/", views.ReserveRecommendView.as_view(), name="dynamics_recommend"),
    path("dynamics/reserve/entries/", views.ReserveEntryListView.as_view(), name="dynamics_entries"),
    path("dynamics/reserve/entries/<int:pk>/advance/", views.ReserveAdvanceView.as_view(), name="dynamics_advance"),
    path("dynamics/precheck/<int:enterprise_pk>/", views.PrecheckView.as_view(), name="dynamics_precheck"),
    path("dynamics/criteria/", views.CriteriaListView.as_view(), name="dynamics_criteria"),
    path("dynamics/criteria/<int:pk>/edit/", views.CriterionEditView.as_view(), name="dynamics_criterion_edit"),
]
