from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKind(models.TextChoices):
    """How an indicator's value is computed (see ``targets.compute``)."""

    TITLE_COUNT_VALID = "title_count_valid", _("Enterprises holding a valid title on the date")
    TITLE_COUNT_CUMULATIVE = "title_count_cumulative", _("Enterprises ever recognised by the date (cumulative)")
    POPULATION_SHARE = "population_share", _("Share of the provincial-and-above population with a property")
    COHORT_RATIO = "cohort_ratio", _("Ratio of a cohort's figure to its baseline-year figure")
    EVENT_COUNT = "event_count", _("Count of events since a date")
    MANUAL = "manual", _("Manually reported value with evidence")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("Reach at least the target")
    RISING = "rising", _("Keep rising")


class CompletionRule(models.TextChoices):
    """How the share done of a goal is computed from its baseline, current value and target
    (``targets.services.share_done``); stored on each indicator and stated in its 统计口径."""

    GAIN = "gain", _("Gain over the baseline towards the target")
    LEVEL = "level", _("Current value against the target")


class ProgressStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    AT_RISK = "at_risk", _("At risk")
    NO_DATA = "no_data", _("No data")


class PopulationProperty(models.TextChoices):
    """Properties a share-of-population indicator can count (parameter ``property``)."""

    RD_INSTITUTION = "rd_institution", _("Has an R&D institution of at least a level")
    INVENTION_PATENTS = "invention_patents", _("Invention patents held")
    TRADEMARKS = "trademarks", _("Registered trademarks")
    DIGITAL_LEVEL = "digital_level", _("Digital level")
    UNIVERSITY_COOPERATION = "university_cooperation", _("R&D cooperation with universities")
    FILLS_TECH_GAP = "fills_tech_gap", _("Fills a technology gap / replaces imports")


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("Requested by a user")
    DATA_CHANGE = "data_change", _("After a data change")
    NIGHTLY = "nightly", _("Nightly schedule")
    COMMAND = "command", _("Management command")
