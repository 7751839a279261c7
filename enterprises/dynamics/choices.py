"""Choices of dynamic management (criteria, reviews, revocations, reserve pool, alerts).

A module of their own so that the pure pre-check (``precheck``) and the models both import them,
and neither imports the other's module at load time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CriterionKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold (must be met)")
    CONDITION = "condition", _("Direct condition (any one suffices)")
    BAND = "band", _("Score table band")


class Operator(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    LT = "lt", "<"
    EQ = "eq", "="


class Figure(models.TextChoices):
    """The figures a criterion can test. ``enterprises.dynamics.precheck`` computes each of them from an
    enterprise's records; a figure the portal does not hold is always *unknown*."""

    REVENUE = "revenue", _("Operating revenue last year (10k yuan)")
    MAIN_BUSINESS_SHARE = "main_business_share", _("Main business share of revenue (%)")
    REVENUE_GROWTH = "revenue_growth", _("Revenue growth last year (%)")
    REVENUE_GROWTH_AVG_2Y = "revenue_growth_avg_2y", _("Average revenue growth over 2 years (%)")
    PROFIT_MARGIN = "profit_margin", _("Profit margin last year (%)")
    DEBT_RATIO = "debt_ratio", _("Debt ratio at the end of last year (%)")
    RD_EXPENSE = "rd_expense", _("R&D expense last year (10k yuan)")
    RD_RATIO = "rd_ratio", _("R&D expense share of revenue last year (%)")
    RD_EXPENSE_2Y = "rd_expense_2y", _("R&D expense of the last 2 years together (10k yuan)")
    RD_EXPENSE_MIN_2Y = "rd_expense_min_2y", _("Lower yearly R&D expense of the last 2 years (10k yuan)")
    RD_RATIO_MIN_2Y = "rd_ratio_min_2y", _("Lower yearly R&D share of the last 2 years (%)")
    RD_STAFF_SHARE = "rd_staff_share", _("R&D staff share of employees (%)")
    CLASS1_IP = "class1_ip", _("Class-I intellectual property (count)")
    INVENTION_PATENTS = "invention_patents", _("Invention patents (count)")
    TRADEMARKS = "trademarks", _("Registered trademarks (count)")
    DIGITAL_LEVEL = "digital_level", _("Digital level (1–4)")
    FILLS_TECH_GAP = "fills_tech_gap", _("Fills a technology gap or replaces imports (1 yes, 0 no)")
    RD_INSTITUTION_RANK = (
        "rd_institution_rank",
        _("Highest R&D institution level (0 none, 1 municipal, 2 provincial, 3 national)"),
    )
    NICHE_YEARS = "niche_years", _("Years in the niche market")
    STRATEGIC_INDUSTRY = "strategic_industry", _("Main product in a plan focus area or strategic cluster (1 yes, 0 no)")
    LADDER_PREREQUISITE = "ladder_prerequisite", _("Holds the valid title the ladder rule requires (1 yes, 0 no)")
    HIGH_TECH_TITLE = "high_tech_title", _("Valid high-tech enterprise or similar title (1 yes, 0 no)")
    SCIENCE_AWARD_3Y = "science_award_3y", _("National or provincial science award in the last 3 years (1 yes, 0 no)")
    NEW_EQUITY_3Y = "new_equity_3y", _("New equity financing in the last 3 years (10k yuan)")
    NEW_EQUITY_2Y = "new_equity_2y", _("New equity financing in the last 2 years (10k yuan)")
    QUALITY_CERTIFICATION = "quality_certification", _("Quality management certification (1 yes, 0 no)")
    LOCAL_CHARACTERISTIC = "local_characteristic", _("Provincial characteristic indicators met (1 yes, 0 no)")
    PROFIT = "profit", _("Total profit last year (10k yuan)")
    PROFIT_2Y = "profit_2y", _("Total profit of the last 2 years together (10k yuan)")
    PROFIT_MIN_2Y = "profit_min_2y", _("Lower yearly total profit of the last 2 years (10k yuan)")
    TIER_HELD = "tier_held", _("Highest valid title held (0 none, 1 innovative, 2 municipal, 3 provincial, 4 national)")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class RevocationGround(models.TextChoices):
    INCIDENT = "incident", _("Major safety, quality or environmental incident")
    DISHONESTY = "dishonesty", _("Tax evasion or serious dishonesty")
    FALSE_MATERIALS = "false_materials", _("False application materials")
    NO_DATA_UPDATE = "no_data_update", _("Failed to update data or report changes")
    OTHER = "other", _("Other ground")


class ReserveStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("Recommended")
    APPLIED = "applied", _("Applied")
    RECOGNISED = "recognised", _("Recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Allowed moves of a reserve entry (recommended → applied → recognised / not recognised).
RESERVE_TRANSITIONS: dict[str, set[str]] = {
    ReserveStatus.RECOMMENDED: {ReserveStatus.APPLIED, ReserveStatus.WITHDRAWN},
    ReserveStatus.APPLIED: {ReserveStatus.RECOGNISED, ReserveStatus.NOT_RECOGNISED, ReserveStatus.WITHDRAWN},
    ReserveStatus.RECOGNISED: set(),
    ReserveStatus.NOT_RECOGNISED: set(),
    ReserveStatus.WITHDRAWN: set(),
}


class AlertKind(models.TextChoices):
    EXPIRING = "expiring", _("Title expiring within 180 days")
    LAPSED = "lapsed", _("Title lapsed without review")
    REVIEW_PENDING = "review_pending", _("Review pending")
    MISSED_UPDATE = "missed_update", _("Missed the yearly data-update deadline")
