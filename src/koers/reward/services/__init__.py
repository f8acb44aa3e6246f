"""Reward services: calculation runs and payouts (calc), adjustments, holds and payroll
(payouts)."""

from koers.reward.services.calc import (
    compute_month,
    period_of,
    run_advance,
    run_month,
    settle_month,
)

__all__ = ["compute_month", "period_of", "run_advance", "run_month", "settle_month"]
