"""Plan's background jobs: territory design."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


@job("plan.territory", gettext_lazy("Designing territories"), atomic=False)
def territory_design(args: dict[str, Any], by: Any) -> Outcome:
    """A design for a unit, kept for applying; it changes nothing until applied."""
    from koers.core.progress import report
    from koers.org.models import OrgUnit
    from koers.plan import territory

    unit = OrgUnit.objects.get(pk=args["unit"])
    report(
        0.1, _("The optimiser shares the accounts (up to %(s)s seconds)") % {"s": args["seconds"]}
    )
    result = territory.design_for(unit, by=by, seconds=args["seconds"])
    return Outcome(
        _("%(unit)s: %(n)s accounts would move.") % {"unit": unit, "n": len(result["moves"])},
        reverse("plan_territories") + "?job={job}",
        value=result,
    )
