"""Download a list as CSV or XLSX: the one helper every list page's export calls.

A list view's export checks access exactly as the page does, filters exactly as the page
does, and hands the filtered queryset and its columns here. The file is the whole filtered
list (every page of it, none of the other rows), written by ``warden.lib.exports``. Every
export is audited: who, which list, which filters, how many rows, which format. Names of
pupils leave Warden this way, so the trail says so each time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from django import forms
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from warden.core.access import request_user
from warden.core.audit import audit_log
from warden.core.models import School
from warden.core.tenancy import school_scope
from warden.lib.exports import Column, csv_lines, xlsx_write

M = TypeVar("M", bound=models.Model)
R = TypeVar("R")
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
CHUNK = 500
"""Rows read per query while a file is written: memory stays flat on a long list."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filters_described(form: forms.Form) -> list[tuple[str, str]]:
    """The filters a bound, valid filter form applies, as ``(label, value)`` in words.

    Choice fields show the chosen label ("Year 7", not ``7``); the sort order and empty
    fields are left out, as they do not change which rows are in the file.
    """
    if not form.is_bound or not form.is_valid():
        return []
    described = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in ("sort", "page") or value in (None, "", [], ()):
            continue
        if isinstance(field, forms.ModelChoiceField):
            text = str(value)
        elif isinstance(field, forms.ChoiceField):
            choices: Iterable[tuple[Any, Any]] = field.choices  # type: ignore[assignment]
            labels = {str(k): str(v) for k, v in choices if not isinstance(v, list | tuple)}
            text = labels.get(str(value), str(value))
        elif isinstance(field, forms.BooleanField):
            text = "Yes"
        else:
            text = str(value)
        described.append((str(field.label or name), text))
    return described


def _preamble(title: str, school: School, filters: Sequence[tuple[str, str]]) -> list[str]:
    at = timezone.localtime(timezone.now(), ZoneInfo(school.timezone))
    applied = "; ".join(f"{label}: {value}" for label, value in filters) or "none (every row)"
    return [f"{title}, exported {at:%d/%m/%Y %H:%M}", f"Filters: {applied}"]


def export_response(
    request: HttpRequest,
    *,
    fmt: str,
    school: School,
    name: str,
    title: str,
    rows: models.QuerySet[M],
    columns: Sequence[Column[R]],
    filters: Sequence[tuple[str, str]] = (),
    expand: Callable[[list[M]], Iterable[R]] | None = None,
    described: bool = True,
) -> HttpResponseBase:
    """The filtered list ``rows`` as a download, audited.

    ``name`` is the list's short name (``people``, used in the file name and the trail);
    ``title`` heads the file; ``filters`` are the page's filters in words
    (:func:`filters_described`). ``expand`` turns each chunk of rows into what the columns
    read (a board's rows gathered for a page of people, as the page itself does), so a
    page's own per-page reads serve the file too. The caller has already checked access
    as its page does. ``described=False`` leaves out the lines above the header, for a
    file another system imports.
    """
    if fmt not in FORMATS:
        raise Http404("Exports are CSV or XLSX.")
    count = rows.count()
    filter_text: Mapping[str, Any] = {label: value for label, value in filters}
    audit_log(
        actor=request_user(request),
        action="list.exported",
        school=school,
        changes={"list": name, "format": fmt, "filters": filter_text, "rows": count},
    )
    preamble = _preamble(title, school, filters) if described else []
    tz = ZoneInfo(school.timezone)
    stamp = timezone.localdate().isoformat()
    filename = f"{slugify(school.slug)}-{name}-{stamp}.{fmt}"
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            _scoped_lines(
                school, csv_lines(columns, _stream(rows, expand), preamble=preamble, tz=tz)
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        # A zip cannot be streamed as it is written; constant_memory keeps rows on disk and
        # the finished file is sent from a temporary file, not held in memory.
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
        xlsx_write(out, columns, _stream(rows, expand), title=title, preamble=preamble, tz=tz)
        out.seek(0)
        response = FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def _stream(
    rows: models.QuerySet[M], expand: Callable[[list[M]], Iterable[R]] | None
) -> Iterator[Any]:
    if expand is None:
        yield from rows.iterator(chunk_size=CHUNK)
        return
    chunk: list[M] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from expand(chunk)
            chunk = []
    if chunk:
        yield from expand(chunk)


def _scoped_lines(school: School, lines: Iterator[str]) -> Iterator[str]:
    # The response is written after the view returns, outside the request's tenancy scope:
    # the rows (and anything prefetched with them) are read inside the school's own.
    with school_scope(school.pk):
        yield from lines


def filtered_list_export(
    *,
    perm: str,
    name: str,
    title: str,
    filtered: Callable[[HttpRequest, School], tuple[forms.Form, Any]],
    listed: Callable[[School, Any], models.QuerySet[Any]],
    columns: Sequence[Column],
) -> Callable[..., HttpResponseBase]:
    """The download view of a list page whose filters come from one function shared with
    the page (``filtered``: the form and the filters) and whose rows from one selector
    (``listed``): the same right as the page, the same rows, as CSV or XLSX. ``title``
    may name ``{school}``."""
    from django.contrib.auth.decorators import login_required
    from django.views.decorators.http import require_GET

    from warden.core.access import request_school, require_perm

    @login_required
    @require_GET
    def view(request: HttpRequest, fmt: str) -> HttpResponseBase:
        school = request_school(request)
        require_perm(request.user, perm, school)
        form, filters = filtered(request, school)
        return export_response(
            request,
            fmt=fmt,
            school=school,
            name=name,
            title=title.format(school=school.name),
            rows=listed(school, filters),
            columns=columns,
            filters=filters_described(form),
        )

    return view
