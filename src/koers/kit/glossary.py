"""What each statistical measure means, in a sales leader's words, shown where the measure
is (``{% explain "mape" "bias" %}``)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

GLOSSARY: dict[str, tuple[str, str | Promise]] = {
    "mape": (
        "MAPE",
        _(
            "the average miss as a share of what happened (|forecast − actual| ÷ actual): "
            "10% means the forecasts typically missed by a tenth. Lower is better."
        ),
    ),
    "smape": (
        "sMAPE",
        _(
            "like MAPE, but the miss is divided by the average of forecast and actual, so a "
            "month close to zero cannot blow it up. Lower is better."
        ),
    ),
    "bias": (
        _("Bias"),
        _(
            "the average of (forecast − actual) ÷ actual: above 0 the forecasts were too high "
            "(too rosy), below 0 too low (too careful). Close to 0 is best."
        ),
    ),
    "within": (
        _("Within ±5% / ±10%"),
        _("the share of months whose forecast landed that close to what was sold."),
    ),
    "brier": (
        _("Brier score"),
        _(
            "the average of (predicted chance − outcome)², the outcome 1 for a deal won and 0 "
            "for a deal lost: 0 is perfect, always saying fifty-fifty scores 0.25. Lower is better."
        ),
    ),
    "did": (
        _("Difference in differences"),
        _(
            "how much the participants' KPI changed from before the training to after it, "
            "minus how much the others' changed over the same months: the change the training "
            "made beyond what happened to everyone."
        ),
    ),
    "se": (
        _("Standard error"),
        _(
            "how uncertain the effect is: the true effect lies within two standard errors of "
            "the one measured in 95 cases out of 100; an effect smaller than twice its "
            "standard error may be chance."
        ),
    ),
    "interval": (
        _("80% interval"),
        _("four months in five should land inside it; a wide interval means: plan for either."),
    ),
}
