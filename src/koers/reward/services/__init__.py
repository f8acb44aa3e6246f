"""Reward services: calculation runs and payouts (calc), approving and locking a month
(approval), adjustments, holds and payroll (payouts)."""

from koers.reward.services.approval import run_advance
from koers.reward.services.calc import (
    compute_month,
    period_of,
    run_month,
    settle_month,
)

__all__ = ["compute_month", "period_of", "run_advance", "run_month", "settle_month"]
