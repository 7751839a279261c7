from enterprises.dynamics.api.urls import register as register_dynamics

from ..listings.api import PipelineEntryViewSet
from .views import (
    EnterpriseViewSet,
    ListingRecordViewSet,
    RDInstitutionViewSet,
    StatisticImportViewSet,
    StatisticViewSet,
    TitleViewSet,
)


def register(router) -> None:
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("titles", TitleViewSet, basename="title")
    router.register("statistics", StatisticViewSet, basename="statistic")
    router.register("rd-institutions", RDInstitutionViewSet, basename="rd-institution")
    router.register("listing-records", ListingRecordViewSet, basename="listing-record")
    router.register("listing-pipeline", PipelineEntryViewSet, basename="listing-pipeline")
    router.register("statistics-imports", StatisticImportViewSet, basename="statistics-import")
    register_dynamics(router)
