"""The audit trail reads for every audited kind: a change of any field of any record,
reverse relations (a credit split) included, renders on every page of the trail."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.urls import reverse

from koers.org.models import AuditEvent
from koers.sales.services import order_line_save


def test_the_trail_reads_after_a_credit_split_change(cast, login):
    line = cast.lines["ruud"]
    order_line_save(line=line, by=cast.mia.user, credits=[(cast.ruud, Decimal("60")),
                                                          (cast.rosa, Decimal("40"))])  # fmt: skip
    assert AuditEvent.objects.exists()
    for name in ("dirk", "cora", "ada"):
        assert login(cast.user(name)).get(reverse("audit_log")).status_code == 200


def test_a_change_of_every_field_of_every_kind_renders_on_every_page(cast, login):
    events = []
    for model in apps.get_models():
        if not model.__module__.startswith("koers."):
            continue
        names = [f.name for f in model._meta.get_fields()]
        events.append(
            AuditEvent(
                action="update",
                model=model._meta.label,
                object_id="1",
                object_repr=str(model._meta.verbose_name),
                before=dict.fromkeys(names, "1"),
                after={n: [1, 2] if i % 2 else "2" for i, n in enumerate(names)},
            )
        )
    AuditEvent.objects.bulk_create(events)
    client = login(cast.user("dirk"))
    first = client.get(reverse("audit_log"))
    assert first.status_code == 200
    for page in range(2, len(events) // 10 + 2):
        assert client.get(reverse("audit_log"), {"page": page}).status_code in (200, 404)
