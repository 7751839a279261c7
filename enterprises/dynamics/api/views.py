"""Dynamic-management API (read-only; reviews and recommendations are written in the web UI):
the reviews of titles and the reserve-pool recommendations the client may read (``for_user``: a
county-limited key reads its county's rows only). Filters are the web lists' (``filtersets``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from core.api import ScopedReadOnlyViewSet

from ...models import ReserveEntry, TitleReview
from ..filtersets import ReserveEntryFilterSet, TitleReviewFilterSet
from .serializers import ReserveEntrySerializer, TitleReviewSerializer

TAG_DYNAMICS = _("Dynamic management")


@extend_schema_view(
    list=extend_schema(
        summary=_("List title reviews"),
        tags=[TAG_DYNAMICS],
        description=_(
            "Reviews (复核) of titles within the client's scope: pending ones and their outcomes, with the "
            "validity before and after the review."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one title review"), tags=[TAG_DYNAMICS]),
)
class TitleReviewViewSet(ScopedReadOnlyViewSet):
    model = TitleReview
    serializer_class = TitleReviewSerializer
    filterset_class = TitleReviewFilterSet
    select_related = ["title__enterprise__county", "title__tier"]
    ordering_fields = ["id", "started_on", "decided_on", "updated_at"]
    ordering = ["pk"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List reserve-pool recommendations"),
        tags=[TAG_DYNAMICS],
        description=_(
            "Enterprises of the reserve pool recommended for a tier in a year's batch, with their pre-check at "
            "recommendation and how far they have come (applied, recognised, not recognised)."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one reserve-pool recommendation"), tags=[TAG_DYNAMICS]),
)
class ReserveEntryViewSet(ScopedReadOnlyViewSet):
    model = ReserveEntry
    serializer_class = ReserveEntrySerializer
    filterset_class = ReserveEntryFilterSet
    select_related = ["enterprise__county", "target_tier"]
    ordering_fields = ["id", "year", "recommended_on", "updated_at"]
    ordering = ["pk"]
