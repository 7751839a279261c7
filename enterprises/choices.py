from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    DEREGISTERED = "deregistered", _("Deregistered")
    MOVED_OUT = "moved_out", _("Moved out of the city")


class TitleStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    UNDER_REVIEW = "under_review", _("Under review")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class TagKind(models.TextChoices):
    FOCUS_AREA = "focus_area", _("Plan focus area")
    PILOT_SECTOR = "pilot_sector", _("Digital-transformation pilot sector")
    CLUSTER = "cluster", _("Strategic emerging industry cluster")


class IndustryLevel(models.TextChoices):
    SECTION = "section", _("Section")
    DIVISION = "division", _("Division")


class ListingStage(models.TextChoices):
    TUTORING = "tutoring", _("Tutoring filed")
    ACCEPTED = "accepted", _("Application accepted")
    APPROVED = "approved", _("Review passed")
    REGISTERED = "registered", _("Registration effective")
    LISTED = "listed", _("Listed")
    QUOTED = "quoted", _("Quoted on a regional board")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ListingVenue(models.TextChoices):
    SSE_MAIN = "sse_main", _("Shanghai Stock Exchange, main board")
    SSE_STAR = "sse_star", _("Shanghai Stock Exchange, STAR market")
    SZSE_MAIN = "szse_main", _("Shenzhen Stock Exchange, main board")
    SZSE_CHINEXT = "szse_chinext", _("Shenzhen Stock Exchange, ChiNext")
    BSE = "bse", _("Beijing Stock Exchange")
    HKEX = "hkex", _("Hong Kong Exchanges")
    GDEC = "gdec", _("Guangdong Equity Exchange specialised board")
    OTHER = "other", _("Other")


LISTED_STAGES = (ListingStage.LISTED,)
