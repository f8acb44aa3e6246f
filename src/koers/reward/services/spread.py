"""A month calculated on several workers (``KOERS_RUN_PARTITIONS`` with a broker).

The job of the month (``reward.month_parts``) prepares it (checks, fresh figures) and
records its parts; each part is a Celery task that computes its share of the people from
the same inputs and stores its result, in one transaction; the part that completes the
set hands the month to :func:`finish`, which writes every part's lines, trace and payouts
in one transaction and marks the job done with them. A worker killed half-way through a
part leaves nothing: the broker hands the part out again (``acks_late``) and it is tried
once more; after two stops the job fails and the month keeps its figures of before. Any
part that fails fails the job the same way: nothing of the month is written until all
parts are there."""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from koers.jobs.execution import MAX_ATTEMPTS, complete, fail, reporter
from koers.jobs.models import Job
from koers.jobs.registry import Outcome
from koers.reward.models import CalcRun, RunPart
from koers.reward.services.calc import month_inputs, prepare_month, write_month
from koers.reward.services.parts import compute_part, decode, encode


def start(job_id: int, month: dt.date, parts: int) -> list[int]:
    """Prepare the month and record its ``parts`` (once: a second delivery of the job
    finds them); returns the parts still waiting for a worker, to hand out."""
    if not RunPart.objects.filter(job_id=job_id).exists():
        with transaction.atomic():
            run = prepare_month(month)
            RunPart.objects.bulk_create(
                RunPart(job_id=job_id, month=run.month, index=k, parts=parts) for k in range(parts)
            )
    return list(
        RunPart.objects.filter(job_id=job_id, status=RunPart.Status.QUEUED)
        .order_by("index")
        .values_list("pk", flat=True)
    )


def _claim(part_id: int, worker: str) -> RunPart | None:
    claimed = RunPart.objects.filter(
        pk=part_id,
        status__in=(RunPart.Status.QUEUED, RunPart.Status.RUNNING),
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=RunPart.Status.RUNNING, attempts=F("attempts") + 1, worker=worker[:120])
    part = RunPart.objects.select_related("job").get(pk=part_id)
    if claimed:
        return part
    if part.status in (RunPart.Status.QUEUED, RunPart.Status.RUNNING):  # out of tries
        with transaction.atomic():
            RunPart.objects.filter(pk=part_id).update(status=RunPart.Status.FAILED)
            fail_running(
                part.job_id,
                ValidationError(
                    _(
                        "The worker stopped twice while calculating part %(part)s of "
                        "%(parts)s; the month keeps its figures of before."
                    )
                    % {"part": part.index + 1, "parts": part.parts}
                ),
            )
    return None


def fail_running(job_id: int, error: BaseException) -> None:
    """A part or the finish stopped: the job says why (the month keeps its figures of
    before) instead of waiting for ever; a job already ended stays as it ended."""
    if Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists():
        fail(job_id, error)


def compute(part_id: int, *, worker: str) -> str:
    """Calculate one part and store it; "last" when all parts are in and the month is to
    be handed to ``finish`` (the caller does, once this part is committed)."""
    part = _claim(part_id, worker)
    if part is None:
        # a part delivered again after it was stored (its worker stopped before handing
        # the month on): hand it on now if it was the last
        again = RunPart.objects.filter(pk=part_id, status=RunPart.Status.DONE).first()
        return "last" if again is not None and _all_done(again.job_id) else "nothing to do"
    if part.job.status != Job.Status.RUNNING:
        return "nothing to do"
    began = time.monotonic()
    with translation.override(part.job.args.get("language") or "nl"):
        try:
            run = CalcRun.objects.get(month=part.month)
            closed, context = month_inputs(run)
            result = compute_part(run, closed, context, share=(part.index, part.parts))
        except Exception as error:  # the job says why; the other parts stop at their end
            with transaction.atomic():
                RunPart.objects.filter(pk=part_id).update(status=RunPart.Status.FAILED)
                fail_running(part.job_id, error)
            return "failed"
    stored = encode(result)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=part.job_id)
        if job.status != Job.Status.RUNNING:
            return "nothing to do"
        RunPart.objects.filter(pk=part_id).update(
            status=RunPart.Status.DONE,
            seconds=round(time.monotonic() - began, 3),
            **stored,
        )
        done = RunPart.objects.filter(job=job, status=RunPart.Status.DONE).count()
        reporter(job.pk)(
            0.1 + 0.7 * done / part.parts,
            _("%(done)s of %(parts)s parts calculated") % {"done": done, "parts": part.parts},
        )
    return "last" if done == part.parts else "done"


def _all_done(job_id: int) -> bool:
    return (
        Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists()
        and not RunPart.objects.filter(job_id=job_id).exclude(status=RunPart.Status.DONE).exists()
    )


def finish(job_id: int) -> str:
    """Write the month from all its parts, settle it and mark the job done, in one
    transaction (a worker killed here leaves the month as it was and the broker hands
    the finish out again)."""
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("by").get(pk=job_id)
        if job.status != Job.Status.RUNNING:
            return "nothing to do"
        parts = list(RunPart.objects.filter(job=job).order_by("index"))
        if not parts or any(p.status != RunPart.Status.DONE for p in parts):
            return "not yet"
        with translation.override(job.args.get("language") or "nl"):
            reporter(job_id)(0.85, _("Writing the payout lines and their trace"))
            try:
                with transaction.atomic():
                    run = write_month(
                        CalcRun.objects.get(month=parts[0].month),
                        [
                            decode(bytes(p.lines), bytes(p.reach), bytes(p.rows), p.missing)
                            for p in parts
                        ],
                        by=job.by,
                    )
            except Exception as error:
                fail(job_id, error)
                return "failed"
            RunPart.objects.filter(job=job).update(lines=b"", reach=b"", rows=b"")
            complete(job_id, outcome(run.month, len(parts)))
    return "done"


def outcome(month: dt.date, parts: int = 1) -> Outcome:
    summary = _("%(month)s calculated.") % {"month": f"{month:%m-%Y}"}
    if parts > 1:
        summary = _("%(month)s calculated in %(parts)s parts.") % {
            "month": f"{month:%m-%Y}",
            "parts": parts,
        }
    return Outcome(summary, reverse("reward_run", args=[f"{month:%Y-%m}"]))
