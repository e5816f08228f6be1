"""Segments: list, create (a JSON filter or a single field/op/value row), preview, versions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from gtm.segments import (
    FIELDS,
    SegmentError,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    list_versions,
    preview_segment,
)
from gtm.web.app import page_context
from gtm.web.auth import User
from gtm.web.deps import CurrentUser, Db, check_csrf

router = APIRouter()
PAGE_SIZE = 25


def _definition(definition: str, field: str, op: str, value: str):
    """The JSON text when given, else one condition from the field form."""
    if definition.strip():
        try:
            return json.loads(definition)
        except json.JSONDecodeError as exc:
            raise SegmentError(f"the filter is not valid JSON: {exc.msg} at {exc.pos}") from None
    parsed: object = value
    if value.strip():
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
    return {"field": field, "op": op, "value": parsed}


def _page(
    request: Request,
    conn,
    user: User,
    *,
    name: str = "",
    definition: str = "",
    field: str = "",
    op: str = "",
    value: str = "",
    cursor: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    flash: str | None = None,
    template: str = "segments.html",
):
    preview = None
    if error is None and (definition.strip() or field):
        try:
            preview = preview_segment(
                conn,
                user.workspace_id,
                _definition(definition, field, op, value),
                page_size=PAGE_SIZE,
                cursor=cursor,
            )
        except SegmentError as exc:
            error, status_code = str(exc), 400
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        page_context(
            request,
            segments=list_segments(conn, user.workspace_id),
            fields=FIELDS,
            name=name,
            definition=definition,
            field=field,
            op=op,
            value=value,
            preview=preview,
            error=error,
            flash=flash,
        ),
        status_code=status_code if template == "segments.html" else 200,
    )


@router.get("/segments")
def segments_page(
    request: Request,
    *,
    definition: str = "",
    field: str = "",
    op: str = "",
    value: str = "",
    cursor: str | None = None,
    name: str = "",
    flash: str | None = None,
    user: CurrentUser,
    conn: Db,
):
    return _page(
        request,
        conn,
        user,
        name=name,
        definition=definition,
        field=field,
        op=op,
        value=value,
        cursor=cursor,
        flash=flash,
    )


@router.post("/segments", dependencies=[Depends(check_csrf)])
def segment_create(
    request: Request,
    *,
    name: Annotated[str, Form()],
    definition: Annotated[str, Form()] = "",
    field: Annotated[str, Form()] = "",
    op: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    user: CurrentUser,
    conn: Db,
):
    try:
        with conn.transaction():
            saved = create_segment(
                conn,
                user.workspace_id,
                name,
                _definition(definition, field, op, value),
                created_by=user.email,
            )
    except SegmentError as exc:
        return _page(
            request,
            conn,
            user,
            name=name,
            definition=definition,
            field=field,
            op=op,
            value=value,
            error=str(exc),
            status_code=400,
        )
    return RedirectResponse(f"/segments/{saved.name}", status_code=303)


@router.get("/segments/preview")
def segments_preview_fragment(
    request: Request,
    *,
    definition: str = "",
    field: str = "",
    op: str = "",
    value: str = "",
    name: str = "",
    user: CurrentUser,
    conn: Db,
):
    """The count and first page alone: the segment form fetches it (htmx) as the user types.
    Always 200 (htmx leaves the page alone on errors), the error shown in the fragment."""
    return _page(
        request,
        conn,
        user,
        name=name,
        definition=definition,
        field=field,
        op=op,
        value=value,
        template="_segment_preview_area.html",
    )


@router.get("/segments/{name}")
def segment_detail(
    request: Request, *, name: str, cursor: str | None = None, user: CurrentUser, conn: Db
):
    segment = get_segment(conn, user.workspace_id, name)
    preview = preview_segment(
        conn, user.workspace_id, segment.definition, page_size=PAGE_SIZE, cursor=cursor
    )
    return request.app.state.templates.TemplateResponse(
        request,
        "segment.html",
        page_context(
            request,
            segment=segment,
            versions=list_versions(conn, user.workspace_id, name),
            preview=preview,
            definition=json.dumps(segment.definition, indent=2, ensure_ascii=False),
        ),
    )


@router.post("/segments/{name}/delete", dependencies=[Depends(check_csrf)])
def segment_delete(request: Request, *, name: str, user: CurrentUser, conn: Db):
    get_segment(conn, user.workspace_id, name)  # a clear "no segment" when it is not there
    delete_segment(conn, user.workspace_id, name)
    return RedirectResponse(
        f"/segments?flash=Deleted+segment+{name}+(campaigns+keep+its+versions)", status_code=303
    )
