"""Segments: list, create (condition rows combined with AND/OR, or a JSON filter), live count
and preview, versions, delete."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
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
from gtm.web.segment_builder import FIELD_OPS, OPERATORS, Builder, row_error

router = APIRouter()
PAGE_SIZE = 25


async def posted_builder(request: Request) -> Builder:
    """The builder's fields from the query string (GET) or the form body (POST)."""
    params = request.query_params if request.method == "GET" else await request.form()
    return Builder.from_params(params)


Posted = Annotated[Builder, Depends(posted_builder)]


def _error(builder: Builder, exc: SegmentError) -> str:
    # Errors of a JSON filter keep their JSON path; the rows' errors name the row instead.
    return str(exc) if builder.definition.strip() else row_error(str(exc))


def _page(
    request: Request,
    conn,
    user: User,
    builder: Builder,
    *,
    cursor: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    flash: str | None = None,
    template: str = "segments.html",
):
    preview = None
    if error is None:
        try:
            definition = builder.filter(strict=False)
            if definition is not None:
                preview = preview_segment(conn, user.workspace_id, definition,
                                          page_size=PAGE_SIZE, cursor=cursor)
        except SegmentError as exc:
            error, status_code = _error(builder, exc), 400
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        page_context(
            request,
            segments=list_segments(conn, user.workspace_id),
            builder=builder,
            fields=FIELDS,
            operators=OPERATORS,
            field_ops=FIELD_OPS,
            preview=preview,
            error=error,
            flash=flash,
        ),
        # Fragments are always 200: htmx leaves the page alone on errors; the error is shown.
        status_code=status_code if template == "segments.html" else 200,
    )


@router.get("/segments")
def segments_page(
    request: Request,
    *,
    builder: Posted,
    cursor: str | None = None,
    flash: str | None = None,
    user: CurrentUser,
    conn: Db,
):
    return _page(request, conn, user, builder, cursor=cursor, flash=flash)


@router.post("/segments", dependencies=[Depends(check_csrf)])
def segment_create(request: Request, *, builder: Posted, user: CurrentUser, conn: Db):
    try:
        definition = builder.filter(strict=True)
        if definition is None:
            raise SegmentError("Condition 1: pick a field and an operator, or write the JSON")
        with conn.transaction():
            saved = create_segment(conn, user.workspace_id, builder.name, definition,
                                   created_by=user.email)
    except SegmentError as exc:
        return _page(request, conn, user, builder, error=_error(builder, exc), status_code=400)
    return RedirectResponse(f"/segments/{saved.name}", status_code=303)


@router.get("/segments/preview")
def segments_preview_fragment(request: Request, *, builder: Posted, user: CurrentUser,
                              conn: Db):
    """The count and first page alone: the segment form fetches it (htmx) as the user types."""
    return _page(request, conn, user, builder, template="_segment_preview_area.html")


@router.get("/segments/builder")
def segments_builder_fragment(request: Request, *, builder: Posted, user: CurrentUser,
                              conn: Db):
    """The condition rows after adding, removing or re-fielding a row (htmx), with the count
    for them swapped in out of band."""
    return _page(request, conn, user, builder, template="_builder_response.html")


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
            edit_query=Builder.for_definition(segment.name, segment.definition).query(),
        ),
    )


@router.post("/segments/{name}/delete", dependencies=[Depends(check_csrf)])
def segment_delete(request: Request, *, name: str, user: CurrentUser, conn: Db):
    get_segment(conn, user.workspace_id, name)  # a clear "no segment" when it is not there
    delete_segment(conn, user.workspace_id, name)
    return RedirectResponse(
        f"/segments?flash=Deleted+segment+{name}+(campaigns+keep+its+versions)", status_code=303
    )
