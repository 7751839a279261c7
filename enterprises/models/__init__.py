"""Enterprise models. ``core``: reference data, enterprises, titles, statistics, R&D institutions,
listing records. Further modules add the statistics import and dynamic management."""

from .core import *  # noqa: F401,F403,I001  (order matters: dynamics models build on core)
from .core import (  # noqa: F401
    AMOUNT,
    Enterprise,
    EnterpriseQuerySet,
    Industry,
    LadderRule,
    ListingRecord,
    RDInstitution,
    RDInstitutionLevel,
    Statistic,
    Tag,
    Tier,
    Title,
    TitleQuerySet,
    add_years,
    period_end,
    title_valid_on,
)
from ..dynamics.models import (  # noqa: F401,E402
    RESERVE_TRANSITIONS,
    AlertKind,
    ApplicationWindow,
    CriteriaSet,
    Criterion,
    CriterionKind,
    DataUpdateDeadline,
    DynamicsAlert,
    Figure,
    Operator,
    ReserveEntry,
    ReservePoolRefresh,
    ReserveStatus,
    ReserveVerdict,
    ReviewOutcome,
    RevocationGround,
    ScoreDimension,
    TitleReview,
    TitleRevocation,
    in_force_on,
)
from ..listings.models import ListingAction, ListingProgramme, ListingReserveEntry, ListingStageRule  # noqa: F401,E402
from .imports import (  # noqa: F401,E402
    EnterpriseImportChange,
    RDInstitutionImportChange,
    ImportState,
    ListingImportChange,
    StatisticImport,
    StatisticImportChange,
    TitleImportChange,
)
from .status import EnterpriseCountyChange, EnterpriseStatusChange, county_on, gone_by, moved_after  # noqa: F401,E402
