"""Forecast's background jobs: fitting the forecasts, a backtest, training the win model."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


@job("forecast.fit", gettext_lazy("Fitting the forecasts"))
def fit(args: dict[str, Any], by: Any) -> Outcome:
    from koers.forecast import scoring, services

    run = services.fit(today=timezone.localdate())
    # the nightly fit also trains the win probability on the day's deals, so its page's
    # first view reads the model instead of waiting for it (kept until the deals change)
    scoring.trained()
    return Outcome(
        _("Fitted: %(n)s series in %(s)s seconds.") % {"n": run.series, "s": run.seconds},
        reverse("forecast"),
    )


@job("forecast.backtest", gettext_lazy("Backtesting the forecasts"))
def backtest(args: dict[str, Any], by: Any) -> Outcome:
    from koers.forecast import services

    services.backtest(today=timezone.localdate())
    return Outcome(_("The backtest has run; its figures are below."), reverse("forecast_accuracy"))


@job("forecast.win_model", gettext_lazy("Training the win probability"), atomic=False)
def win_model(args: dict[str, Any], by: Any) -> Outcome:
    """Train on every closed deal; kept (in the cache) until a deal changes."""
    from koers.forecast import scoring

    scored = scoring.trained()
    return Outcome(
        _("Trained on %(n)s closed deals.") % {"n": scored.closed},
        reverse("forecast_win"),
    )
