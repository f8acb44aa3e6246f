"""Reward services: calculation runs and payouts (calc), approving and locking a month
(approval), adjustments, holds and payroll (payouts)."""

from koers.reward.services.approval import run_advance
from koers.reward.services.calc import run_month
from koers.reward.services.components import compute_month
from koers.reward.services.inputs import period_of
from koers.reward.services.settlement import settle_month

__all__ = ["compute_month", "period_of", "run_advance", "run_month", "settle_month"]
