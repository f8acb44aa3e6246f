"""Column mappings for the standard exports of the CRMs and ERPs people use.

Each preset maps the vendor's documented export headers (report exports and the
import-compatible technical names) to Koers columns, translates the vendor's values
(stages, types, sources, statuses) and, where one column is not enough, prepares the rows
first. ``docs/imports.md`` lists, per system, the export to make and the columns read.
"""

from __future__ import annotations

from koers.imports.presets.afas import AFAS
from koers.imports.presets.base import Preset
from koers.imports.presets.dynamics import DYNAMICS
from koers.imports.presets.exact import EXACT
from koers.imports.presets.hubspot import HUBSPOT
from koers.imports.presets.odoo import ODOO
from koers.imports.presets.pipedrive import PIPEDRIVE
from koers.imports.presets.salesforce import SALESFORCE
from koers.imports.presets.teamleader import TEAMLEADER

PRESETS: dict[str, Preset] = {
    p.name: p for p in (SALESFORCE, HUBSPOT, DYNAMICS, PIPEDRIVE, TEAMLEADER, EXACT, AFAS, ODOO)
}

__all__ = ["PRESETS", "Preset"]
