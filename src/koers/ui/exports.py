"""CSV and XLSX exports of a list page, with the page's filters, search and sort applied.

Rows stream from the database in chunks, so a large export does not load the whole
table into memory. Pay stays hidden exactly as on the page.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from koers.core.cells import safe_cell
from koers.org import visibility as vis
from koers.org.models import Person
from koers.ui.entities import Entity, entity_or_404, field_value
from koers.ui.entity_views import filtered_queryset
from koers.ui.templatetags.records import column_label

CHUNK = 2000


def _value(obj: Model, name: str) -> Any:
    value, _field = field_value(obj, name)
    return safe_cell(str(value) if isinstance(value, Model) else value)


def _rows(request: HttpRequest, entity: Entity) -> Iterator[list[Any]]:
    _filters, queryset = filtered_queryset(request, entity)
    columns = ["id", *entity.columns]
    yield [str(column_label(entity.model, c)) if c != "id" else "id" for c in columns]
    rows = queryset.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        hidden: set[int] = set()
        if entity.model is Person:  # one pay check per chunk, not per row
            ids = [obj.pk for obj in chunk]
            hidden = set(ids) - vis.pay_visible_ids(request.user, ids)
        for obj in chunk:
            masked = obj.pk in hidden
            yield [None if masked and c in entity.pay_fields else _value(obj, c) for c in columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return "" if value is None else value


def _filename(entity: Entity, extension: str) -> str:
    return f"koers-{entity.slug}-{timezone.localdate():%Y%m%d}.{extension}"


def export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    entity = entity_or_404(slug)
    writer = csv.writer(_Echo())
    # A byte-order mark so that Excel opens the UTF-8 file with the right characters.
    lines = (writer.writerow([_csv_cell(v) for v in row]) for row in _rows(request, entity))
    stream = (line for chunk in (["\ufeff"], lines) for line in chunk)
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(entity, "csv")}"'
    return response


def export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    entity = entity_or_404(slug)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(entity.label[:31])
    for row in _rows(request, entity):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(entity, "xlsx")}"'
    book.save(response)
    return response
