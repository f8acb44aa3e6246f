"""The plan engine's refusals in the reader's language, with amounts as the pages show
them (the engine counts in cents or thousandths and speaks English)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from koers.engine.allocation import AllocationError


def _amount(units: int, kpi: str) -> str:
    from koers.kit.templatetags.koers import kpi_value, money
    from koers.measure.catalogue import definition

    if definition(kpi).unit == "money":
        return money(Decimal(units) / 100)  # to the cent: what to add or take off
    return kpi_value(Decimal(units) / 1000, "count")


def allocation_message(error: AllocationError, kpi: str = "revenue", names: Any = None) -> str:
    """What to fix, in words; ``names`` maps a person's or account's key to its name."""
    f, names = error.figures, names or {}
    methods = {
        "history": _("last year's results"),
        "potential": _("potential"),
        "workload": _("workload"),
    }
    if error.code == "nobody":
        return _("There is nobody to divide the target over.")
    if error.code == "missing":
        keys = [k.strip() for k in str(f["missing"]).split(",")]
        listed = ", ".join(str(names.get(int(k), k)) if k.isdigit() else k for k in keys)
        return _("No amount typed for: %(names)s.") % {"names": listed}
    if error.code == "hand_sum":
        given, total = f["given"], f["total"]
        words = (
            _("The amounts typed add up to %(given)s, not to the target %(total)s: add %(diff)s.")
            if given < total
            else _(
                "The amounts typed add up to %(given)s, not to the target %(total)s: "
                "take off %(diff)s."
            )
        )
        return words % {
            "given": _amount(given, kpi),
            "total": _amount(total, kpi),
            "diff": _amount(abs(total - given), kpi),
        }
    if error.code == "no_weights":
        return _("Nobody has any %(what)s to divide by: choose another method.") % {
            "what": methods.get(f["method"], f["method"])
        }
    if error.code == "no_month":
        return _("No month is left to carry the target.")
    if error.code == "no_accounts":
        return _("There are no accounts to divide the target over.")
    if error.code == "negative":
        return _("A target cannot be negative.")
    return _("The target could not be divided exactly.")
