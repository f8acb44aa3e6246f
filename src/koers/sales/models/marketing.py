"""What a campaign cost and which campaigns touched a lead: the records its returns are
computed from (``koers.engine.attribution``, ``koers.measure.campaigns``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from koers.core.fields import CurrencyField, MoneyField
from koers.sales.models.pipeline import Campaign, Lead


class CampaignCost(models.Model):
    """An actual cost of a campaign: the stand, travel, printing, an agency's invoice."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="costs"
    )
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=160)
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))

    class Meta:
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        ordering = ["campaign", "date"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.description}"


class LeadTouch(models.Model):
    """A campaign that reached a lead on a day (a lead touched by several campaigns has
    several; the lead's own campaign counts as a touch on the day it was created)."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="touches"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="touches"
    )
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("campaign touch")
        verbose_name_plural = _("campaign touches")
        ordering = ["lead", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "campaign", "date"], name="one_touch_per_campaign_day"
            )
        ]
        # the list's order: the newest 50 read from the index, not sorted from all
        indexes = [models.Index(fields=["-date", "id"], name="leadtouch_newest")]

    def __str__(self) -> str:
        return f"{self.lead} ← {self.campaign} ({self.date:%d-%m-%Y})"

    def clean(self) -> None:
        if self.date and self.campaign_id and self.campaign.start_date > self.date:
            raise ValidationError({"date": _("The campaign had not started on that day.")})
