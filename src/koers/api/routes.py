"""Koers REST API v1: the same services, selectors and visibility as the web app.

OpenAPI 3 at /api/v1/openapi.json, interactive documentation at /api/v1/docs.
Authenticate with a personal token (POST /api/v1/auth/token) sent as
``Authorization: Bearer <token>``, or with the web app's session.
"""

from pathlib import Path as FilePath
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _
from ninja import File, Form, NinjaAPI, Path, Query, Router, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer, django_auth

from koers.api import schemas as s
from koers.api.models import ApiToken
from koers.api.services import token_create, token_revoke, token_user
from koers.imports.models import ImportRun
from koers.imports.reader import ImportFileError
from koers.imports.saved import load_mapping_by_name
from koers.imports.services import import_file, import_queue
from koers.imports.specs import KINDS
from koers.imports.tasks import on_worker
from koers.org import visibility as vis
from koers.org.models import Person
from koers.org.write_rules import fixed_for, is_own, refusal, refused_fields
from koers.ui.entities import ENTITIES, Entity
from koers.ui.entity_views import filtered_queryset
from koers.ui.forms import build_form, save_record
from koers.ui.lockout import locked_out_message

RecordId = Path(..., ge=1, le=s.MAX_ID)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is None:
            # a token that does not work is refused here (401), not handed on to the
            # session login, which would answer a POST with a CSRF failure instead
            raise AuthenticationError
        request.user = user
        return user


api = NinjaAPI(
    title="Koers API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    description=__doc__,
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": ["body", field], "msg": msg, "type": "invalid"}
            for field, messages in exc.message_dict.items()
            for msg in messages
        ]
    else:
        detail = [{"loc": ["body"], "msg": msg, "type": "invalid"} for msg in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or _("Not allowed.")}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": _("No such record.")}, status=404)


# ---------------------------------------------------------------- tokens
auth_router = Router(tags=["auth"])


@auth_router.post(
    "/token",
    auth=None,
    response={201: s.NewTokenOut, 401: s.ErrorOut, 422: s.ErrorOut, 429: s.ErrorOut},
)
def create_token(request: HttpRequest, payload: s.TokenIn):
    """Exchange a username and password for a personal token. Repeated wrong passwords
    lock the account and the address out for a while (429), as on the login page."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(429, {"detail": str(locked_out_message())})
    if user is None:
        return Status(401, {"detail": _("Unknown username or wrong password.")})
    token, raw = token_create(user=user, name=payload.name)  # 422 when the user holds too many
    return Status(201, {**s.TokenOut.model_validate(token).model_dump(), "token": raw})


@auth_router.get("/tokens", response=list[s.TokenOut])
def list_tokens(request: HttpRequest):
    return ApiToken.objects.filter(user=request.user)


@auth_router.delete("/tokens/{token_id}", response={204: None, 404: s.ErrorOut})
def revoke_token(request: HttpRequest, token_id: int = RecordId):
    if not token_revoke(user=request.user, token_id=token_id):
        return Status(404, {"detail": _("No such token.")})
    return Status(204, None)


@auth_router.get("/me", response=s.MeOut)
def me(request: HttpRequest):
    person = vis.person_of(request.user)
    return {
        "username": request.user.get_username(),
        "person_id": person.pk if person else None,
        "name": str(person) if person else None,
        "role": vis.role_of(request.user),
    }


api.add_router("/auth", auth_router)


# ---------------------------------------------------------------- records
def _visible_object(request: HttpRequest, entity: Entity, pk: int):
    obj = entity.selector(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return _mask_pay(request, obj)


def _mask_pay(request: HttpRequest, obj: Any) -> Any:
    return _mask_pay_all(request, [obj])[0]


def _mask_pay_all(request: HttpRequest, objs: list[Any]) -> list[Any]:
    """Blank the pay of people the user may not see it for; one check for the whole page."""
    people = [o for o in objs if isinstance(o, Person)]
    if people:
        visible = vis.pay_visible_ids(request.user, [p.pk for p in people])
        for person in people:
            if person.pk not in visible:
                person.base_salary = person.currency = None
    return objs


def _form_data(entity: Entity, payload: dict[str, Any]) -> QueryDict:
    """The API's field names (``owner_id``) as the form's (``owner``)."""
    data = QueryDict(mutable=True)
    for key, value in payload.items():
        key = key.removesuffix("_id") if key.removesuffix("_id") in entity.form_fields else key
        if value is None:
            continue
        data[key] = ("on" if value else "") if isinstance(value, bool) else str(value)
    return data


def _refuse_unwritable(
    request: HttpRequest, entity: Entity, payload: dict[str, Any], obj: Any
) -> None:
    """A field the caller names but may not write is refused by name (403), unless the
    value is the one already stored; the web form does not offer such fields at all."""
    names = {k.removesuffix("_id"): v for k, v in payload.items()}
    named = [f for f in entity.form_fields if f in names]
    own = is_own(request.user, obj) or is_own(request.user, None, names.get("person"))
    fixed = [f for f in named if f in fixed_for(request.user, obj)]
    refused = [
        f
        for f in [*refused_fields(request.user, entity.model, named, own=own), *fixed]
        if obj is None or names[f] != getattr(obj, f"{f}_id", getattr(obj, f, None))
    ]
    if refused:
        raise PermissionDenied(refusal(entity.model, refused, own=own))


def _save(request: HttpRequest, entity: Entity, payload: dict[str, Any], obj: Any = None):
    if obj is None and not vis.can_create(request.user, entity.model):
        raise PermissionDenied(_("Your role may not create this kind of record."))
    if obj is not None and not vis.can_edit(request.user, obj, entity.selector(request.user)):
        raise PermissionDenied(_("You may not change this record."))
    _refuse_unwritable(request, entity, payload, obj)
    if obj is not None:  # a partial update keeps the fields it does not name
        current = {f: getattr(obj, f"{f}_id", getattr(obj, f, None)) for f in entity.form_fields}
        payload = {
            **current,
            **{
                k.removesuffix("_id") if k.removesuffix("_id") in current else k: v
                for k, v in payload.items()
            },
        }
    me = vis.person_of(request.user)
    named_owner = payload.get("owner") or payload.get("owner_id")
    if obj is None and "owner" in entity.form_fields and me and not named_owner:
        payload = {**payload, "owner": me.pk}  # what you create without an owner is yours
    data = _form_data(entity, payload)
    form = build_form(entity, request.user, data=data, instance=obj, local_numbers=False)
    if not form.is_valid():
        raise ValidationError({f: [str(e) for e in errs] for f, errs in form.errors.items()})
    with transaction.atomic():
        return save_record(entity, form, request.user)


def _register(entity: Entity) -> None:
    router = Router(tags=[entity.slug])
    out, page = s.out_schema(entity.slug), s.page_schema(entity.slug)
    query = s.query_schema(entity.slug)

    @router.get(
        "",
        response=page,
        operation_id=f"list_{entity.slug.replace('-', '_')}",
        summary=f"List {entity.label.lower()}",
    )
    def list_records(request: HttpRequest, params: Query[query]):  # type: ignore[valid-type]
        _filters, queryset = filtered_queryset(request, entity)
        items = _mask_pay_all(request, list(queryset[params.offset : params.offset + params.limit]))
        return {"count": queryset.count(), "items": items}

    @router.get(
        "/{record_id}",
        response={200: out, 404: s.ErrorOut},
        operation_id=f"get_{entity.slug.replace('-', '_')}",
    )
    def get_record(request: HttpRequest, record_id: int = RecordId):
        return _visible_object(request, entity, record_id)

    if entity.form_fields:
        writes = {403: s.ErrorOut, 404: s.ErrorOut, 422: s.ErrorOut}

        @router.post(
            "",
            response={201: out, **writes},
            operation_id=f"create_{entity.slug.replace('-', '_')}",
        )
        def create_record(request: HttpRequest, payload: s.in_schema(entity.slug)):  # type: ignore[valid-type]
            record = _save(request, entity, payload.model_dump())
            return Status(201, _mask_pay(request, record))

        @router.patch(
            "/{record_id}",
            response={200: out, **writes},
            operation_id=f"update_{entity.slug.replace('-', '_')}",
        )
        def update_record(
            request: HttpRequest, payload: s.in_schema(entity.slug, True), record_id: int = RecordId
        ):  # type: ignore[valid-type]
            obj = _visible_object(request, entity, record_id)
            return _mask_pay(
                request, _save(request, entity, payload.model_dump(exclude_unset=True), obj)
            )

    api.add_router(f"/{entity.slug}", router)


for _entity in ENTITIES.values():
    if _entity.phase != "hidden":
        _register(_entity)


# ---------------------------------------------------------------- imports
imports_router = Router(tags=["imports"])


# an import is read by its number; declared before "/{kind}" so the two paths do not clash
@imports_router.get("/{int:import_id}", response={200: s.ImportOut, 404: s.ErrorOut})
def get_import(request: HttpRequest, import_id: int = RecordId):
    run = ImportRun.objects.filter(pk=import_id).first()
    if run is None or (not vis.can_import(request.user) and run.by != request.user):
        return Status(404, {"detail": _("No such import.")})
    return run


@imports_router.post(
    "/{kind}",
    response={
        200: s.ImportOut,
        201: s.ImportOut,
        202: s.ImportOut,
        400: s.ErrorOut,
        403: s.ErrorOut,
        404: s.ErrorOut,
        413: s.ErrorOut,
        422: s.ImportOut | s.ErrorOut,
    },
)
def run_import(
    request: HttpRequest,
    kind: str,
    file: File[UploadedFile],
    preset: Form[str] = "",
    dry_run: Form[bool] = False,
    mapping: str = Query("", max_length=60, description="a saved mapping's name"),
):
    """Import a CSV or XLSX file; all or nothing. 422 with the error list when any row is
    bad; a dry run that finds none answers 200, an import 201."""
    if not vis.can_import(request.user):
        return Status(403, {"detail": _("Your role may not import data.")})
    if kind not in KINDS:
        return Status(404, {"detail": _("Unknown import kind “%(kind)s”.") % {"kind": kind}})
    if (file.size or 0) > settings.KOERS_IMPORT_MAX_MB * 1024 * 1024:
        return Status(
            413,
            {
                "detail": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.KOERS_IMPORT_MAX_MB}
            },
        )
    on_disk = getattr(file, "temporary_file_path", None)  # a large upload: never read whole
    the_import = {
        "kind": kind,
        **({"path": FilePath(on_disk())} if on_disk else {"raw": file.read()}),
        "filename": file.name or "upload",
        "by": request.user,
        "preset": preset,
    }
    if mapping:
        try:
            the_import["saved_name"], the_import["saved"] = load_mapping_by_name(mapping)
        except ImportFileError as exc:
            return Status(400, {"detail": str(exc)})
    if not dry_run and on_worker(file.size or 0):  # a large file: a worker imports it
        return Status(202, import_queue(**the_import))
    try:
        outcome = import_file(**the_import, dry_run=dry_run)
    except ImportFileError as exc:
        return Status(400, {"detail": str(exc)})
    if outcome.run.error_count:
        return Status(422, outcome.run)
    return Status(200 if dry_run else 201, outcome.run)


@imports_router.get("", response=list[s.ImportOut])
def list_imports(request: HttpRequest, limit: int = Query(50, ge=1, le=s.MAX_LIMIT)):
    runs = ImportRun.objects.all()
    if not vis.can_import(request.user):
        runs = runs.filter(by=request.user)
    return runs[:limit]


api.add_router("/imports", imports_router)


# ---------------------------------------------------------------- reward
def _reward_router() -> Router:
    from koers.reward.api import router

    return router


api.add_router("/reward", _reward_router())


# ---------------------------------------------------------------- measure
def _kpi_router() -> Router:
    from koers.measure.api import router

    return router


api.add_router("/kpis", _kpi_router())


# ---------------------------------------------------------------- plan
def _plan_router() -> Router:
    from koers.plan.api import router

    return router


api.add_router("/plan", _plan_router())


# ---------------------------------------------------------------- forecast
def _forecast_router() -> Router:
    from koers.forecast.api import router

    return router


api.add_router("/forecast", _forecast_router())


# ---------------------------------------------------------------- steer
def _steer_router() -> Router:
    from koers.steer.api import router

    return router


api.add_router("/steer", _steer_router())


# ---------------------------------------------------------------- jobs
def _jobs_router() -> Router:
    from koers.jobs.api import router

    return router


api.add_router("/jobs", _jobs_router())
