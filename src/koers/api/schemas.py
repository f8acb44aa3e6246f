"""Request and response schemas of the API, derived from the models per record kind."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from ninja import Field, Schema
from ninja.orm import create_schema
from pydantic import ConfigDict, create_model

from koers.ui.entities import ENTITIES, Entity

MAX_LIMIT = 500
MAX_ID = 2**63 - 1  # the databases' largest integer: larger ids cannot exist


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    detail: str | list[ErrorItem]


class TokenIn(Schema):
    username: str
    password: str
    name: str = Field("API", max_length=80)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once. Send it as `Authorization: Bearer <token>`.")


class MeOut(Schema):
    username: str
    person_id: int | None
    name: str | None
    role: str | None


class ImportErrorOut(Schema):
    row: int
    column: str
    value: str | None
    message: str


class ImportOut(Schema):
    id: int
    kind: str
    preset: str
    filename: str
    status: str
    file_format: str
    rows: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[ImportErrorOut]
    formats: dict[str, str]
    mapping: dict[str, str]
    started_at: dt.datetime


class StrictSchema(Schema):
    """Input that names a field Koers does not know is refused, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def _name(entity: Entity, suffix: str) -> str:
    return entity.model.__name__ + suffix


@cache
def out_schema(slug: str) -> type[Schema]:
    entity = ENTITIES[slug]
    fields = [f.name for f in entity.model._meta.concrete_fields]
    return create_schema(
        entity.model,
        name=_name(entity, "Out"),
        fields=fields,
        optional_fields=list(entity.pay_fields) or None,
    )


@cache
def in_schema(slug: str, partial: bool = False) -> type[Schema]:
    entity = ENTITIES[slug]
    return create_schema(
        entity.model,
        name=_name(entity, "Patch" if partial else "In"),
        fields=list(entity.form_fields),
        optional_fields="__all__" if partial else None,
        base_class=StrictSchema,
    )


@cache
def page_schema(slug: str) -> type[Schema]:
    return create_model(
        _name(ENTITIES[slug], "Page"),
        __base__=Schema,
        count=(int, ...),
        items=(list[out_schema(slug)], ...),
    )


@cache
def query_schema(slug: str) -> type[Schema]:
    entity = ENTITIES[slug]
    fields: dict[str, Any] = {
        "q": (str | None, Field(None, description="search text")),
        "sort": (str | None, Field(None, description="a column, with - for descending")),
        "limit": (int, Field(50, ge=1, le=MAX_LIMIT)),
        "offset": (int, Field(0, ge=0, le=MAX_ID)),
    }
    for name in entity.filters:
        fields[name] = (str | None, Field(None, description=f"filter on {name}"))
    return create_model(_name(entity, "Query"), __base__=Schema, **fields)
