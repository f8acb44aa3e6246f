"""Imports' background job: a large file imported by a worker, never in a web request."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.jobs.registry import Outcome, job


# the import keeps its own all-or-nothing transaction and claims its run first, so a
# second delivery of the job imports nothing twice
@job("imports.file", gettext_lazy("Importing a file"), atomic=False)
def import_run(args: dict[str, Any], by: Any) -> Outcome:
    from koers.imports.models import ImportRun
    from koers.imports.services import import_claimed

    outcome = import_claimed(args["run"])
    run = ImportRun.objects.get(pk=args["run"])
    if run.status == ImportRun.Status.COMMITTED:
        from koers.measure.jobs import warm_job

        warm_job()  # the figures the import refreshed, computed ahead
    if outcome is None and run.status == ImportRun.Status.FAILED:
        return Outcome(_("%(file)s could not be imported.") % {"file": run.filename}, _url(run))
    return Outcome(
        _("%(file)s: %(created)s new, %(updated)s updated, %(errors)s problems.")
        % {
            "file": run.filename,
            "created": run.created,
            "updated": run.updated,
            "errors": run.error_count,
        },
        _url(run),
    )


def _url(run: Any) -> str:
    return reverse("import_run", args=[run.pk])
