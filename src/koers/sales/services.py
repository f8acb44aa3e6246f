"""Operations that change sales data. Each one validates everything before it writes,
inside one transaction, so bad data is refused whole and nothing is half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.core.audit import audit_change, snapshot
from koers.core.errors import field_error
from koers.core.services import facts_changed, record_save
from koers.org.models import Person
from koers.sales.models import (
    Opportunity,
    OpportunitySplit,
    OrderLine,
    OrderLineCredit,
    StageChange,
)

HUNDRED = Decimal("100")
Share = tuple[Person, Decimal]


def validate_shares(obj: Any, shares: Sequence[Share], field: str) -> None:
    """Credit shares: each above 0, one per person, together exactly 100%."""
    people = [person.pk for person, _pct in shares]
    if len(set(people)) != len(people):
        raise field_error(obj, field, _("A person appears more than once in the credit split."))
    for person, pct in shares:
        if pct <= 0 or pct > HUNDRED:
            raise field_error(
                obj,
                field,
                _("%(person)s's share must lie above 0%% and at most 100%%.") % {"person": person},
            )
    total = sum((pct for _p, pct in shares), Decimal("0"))
    if shares and total != HUNDRED:
        raise field_error(
            obj,
            field,
            _("the credit splits add up to %(total)s%%; they must add up to 100%%.")
            % {"total": total},
            code="splits_sum",
        )


@transaction.atomic
def opportunity_save(
    *,
    opportunity: Opportunity,
    by: Any,
    splits: Sequence[Share] | None = None,
    on: dt.date | None = None,
) -> Opportunity:
    """Create or change an opportunity with its credit splits (default: 100% to the owner).
    A stage change is added to the stage history dated ``on`` (or the close date, or today)."""
    if not opportunity.owner_id:
        raise field_error(opportunity, "owner", _("an opportunity needs an owner."))
    previous_stage = (
        Opportunity.objects.filter(pk=opportunity.pk).values_list("stage_id", flat=True).first()
    )
    if splits is None and opportunity.pk is None:
        splits = [(opportunity.owner, HUNDRED)]
    if splits is not None:
        validate_shares(opportunity, splits, "splits")
    before_splits = _split_snapshot(opportunity)
    if splits is not None:
        _check_creditable(opportunity, splits, by, before_splits)
    record_save(obj=opportunity, by=by)
    if splits is not None:
        opportunity.splits.all().delete()
        OpportunitySplit.objects.bulk_create(
            OpportunitySplit(opportunity=opportunity, person=p, percent=pct) for p, pct in splits
        )
        if before_splits is not None and before_splits != _split_snapshot(opportunity):
            audit_change(
                actor=by,
                action="splits",
                obj=opportunity,
                before={"splits": before_splits},
                after={"splits": _split_snapshot(opportunity)},
            )
    if previous_stage != opportunity.stage_id:
        day = on or opportunity.closed_on or timezone.localdate()
        StageChange.objects.create(opportunity=opportunity, stage=opportunity.stage, changed_on=day)
    return opportunity


def _split_snapshot(opportunity: Opportunity) -> list[dict[str, str]] | None:
    """The credit split as stored: who holds which share (None for a new deal)."""
    if opportunity.pk is None:
        return None
    return [
        {"person": str(split.person), "person_id": split.person_id, "percent": f"{split.percent}"}
        for split in opportunity.splits.select_related("person").order_by("person_id")
    ]


def _check_creditable(
    opportunity: Opportunity, splits: Sequence[Share], by: Any, before: list | None
) -> None:
    """A split moves pay: a salesperson may credit the people of their own team, a manager
    those of the units she leads. Whoever else held a share keeps exactly that share:
    "keep a share" never means "any share", neither raised, lowered nor taken away."""
    from koers.sales.selectors import creditable_people

    if by is None:
        return
    allowed = set(creditable_people(by).values_list("pk", flat=True))
    held = {row["person_id"]: Decimal(row["percent"]) for row in before or []}
    refused = [p for p, _pct in splits if p.pk not in allowed and p.pk not in held]
    if refused:
        names = ", ".join(str(p) for p in refused)
        raise field_error(
            opportunity,
            "splits",
            _("you may credit only people of your own team; ask your manager to credit %(names)s.")
            % {"names": names},
        )
    now = {p.pk: Decimal(pct) for p, pct in splits}
    changed = sorted(
        {
            row["person"]
            for row in before or []
            if row["person_id"] not in allowed
            and now.get(row["person_id"]) != held[row["person_id"]]
        }
    )
    if changed:
        raise field_error(
            opportunity,
            "splits",
            _(
                "the share of %(names)s outside your team stays as it is; ask your manager "
                "to change it."
            )
            % {"names": ", ".join(changed)},
        )


@transaction.atomic
def order_line_save(*, line: OrderLine, by: Any, credits: Sequence[Share]) -> OrderLine:
    """Create or change an order line with its credit holders (shares add up to 100%)."""
    if not credits:
        raise field_error(line, "credits", _("an order line needs at least one credit holder."))
    validate_shares(line, credits, "credits")
    before = snapshot(OrderLine.objects.filter(pk=line.pk).first())
    with transaction.atomic():
        record_save(obj=line, by=by, before=before)  # marks the former credit holders stale
        line.credits.all().delete()
        OrderLineCredit.objects.bulk_create(
            OrderLineCredit(line=line, person=p, percent=pct) for p, pct in credits
        )
        facts_changed(line, before)  # and the new ones
    return line
