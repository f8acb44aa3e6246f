"""Numbers for an open round from a spreadsheet: a manager collects her people's agreed
numbers in Excel (or someone their own bottom-up number) and uploads them. Every row goes
through the same services and role rules as the round page; one refused row refuses the
whole file, naming each problem, and nothing is written."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from koers.imports.parse import normalise_number, number_style
from koers.imports.reader import ImportFileError, read_table
from koers.imports.references import key_table
from koers.plan import services
from koers.plan.models import TargetRound

ALIASES = {
    "person": ("person", "persoon", "name", "naam", "salesperson", "verkoper", "email", "e-mail"),
    "bottom_up": ("bottom_up", "bottom-up", "bottom up", "own number", "eigen getal"),
    "substantiation": ("substantiation", "onderbouwing", "note"),
    "agreed": ("agreed", "afgesproken", "target"),
    "comment": ("comment", "opmerking"),
}
SHOWN = 20


def _columns(header: list[str]) -> dict[str, str]:
    found = {}
    for column in header:
        name = column.strip().lower()
        for field, aliases in ALIASES.items():
            if name in aliases and field not in found:
                found[field] = column
    return found


def _number(text: str, style: str) -> Decimal | None:
    if not text.strip():
        return None
    value = normalise_number(pl.Series([text]), style)[0]
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite() or number < 0:
        raise ValueError(text)
    return number.quantize(Decimal("0.01"))


def apply_numbers(target_round: TargetRound, raw: bytes, filename: str, *, by: Any) -> int:
    """Apply the file's numbers to the round; returns the rows applied. Raises
    ValidationError with every problem (the first ``SHOWN`` named, the rest counted)."""
    try:
        frame, _format = read_table(raw, filename)
    except ImportFileError as error:
        raise ValidationError(str(error)) from error
    columns = _columns(frame.columns)
    if "person" not in columns or not {"bottom_up", "agreed"} & set(columns):
        raise ValidationError(_("The file needs a column person and a column bottom_up or agreed."))
    people = dict(key_table("people").iter_rows())
    proposals = {p.person_id: p for p in target_round.proposals.all()}
    styles = {f: number_style(frame[columns[f]]) for f in ("bottom_up", "agreed") if f in columns}
    problems: list[str] = []
    applied = 0
    with transaction.atomic():
        for index, row in enumerate(frame.iter_rows(named=True), start=2):
            who = str(row[columns["person"]] or "").strip()
            person = people.get(who.lower())
            proposal = proposals.get(person) if person else None
            # someone outside the round and someone in it whose number the uploader may not
            # set get the same words: an upload never tells who is in a round
            unknown = _("Row %(row)s: “%(who)s” is not in this round or not yours to set.") % {
                "row": index,
                "who": who,
            }
            if proposal is None:
                problems.append(unknown)
                continue
            try:
                numbers = {f: _number(str(row[columns[f]] or ""), styles[f]) for f in styles}
            except ValueError as error:
                problems.append(
                    _("Row %(row)s: “%(value)s” is not an amount.")
                    % {"row": index, "value": error.args[0]}
                )
                continue
            try:
                if numbers.get("bottom_up") is not None:
                    services.proposal_submit(
                        proposal,
                        value=numbers["bottom_up"],
                        substantiation=str(row.get(columns.get("substantiation", ""), "") or ""),
                        by=by,
                    )
                if numbers.get("agreed") is not None:
                    services.proposal_agree(
                        proposal,
                        value=numbers["agreed"],
                        comment=str(row.get(columns.get("comment", ""), "") or ""),
                        by=by,
                    )
            except PermissionDenied:
                problems.append(unknown)
                continue
            except ValidationError as error:
                text = " ".join(getattr(error, "messages", None) or [str(error)])
                problems.append(_("Row %(row)s: %(problem)s") % {"row": index, "problem": text})
                continue
            applied += 1
        if problems:
            transaction.set_rollback(True)
    if problems:
        shown = problems[:SHOWN]
        if len(problems) > SHOWN:
            shown.append(_("… and %(n)s more problems.") % {"n": len(problems) - SHOWN})
        raise ValidationError(shown)
    return applied
