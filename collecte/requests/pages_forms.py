"""What the request pages share: the request form read into the API's ``RequestCreate``, its line
rows added and removed without a script, and the words for values the vocabulary lacks.

The form posts flat fields (``line_0_category``, ``line_0_quantity``…) and a ``rows`` count; an
"add a line" or "remove" button posts the same form with an ``op`` and gets it back re-drawn,
nothing written (the CSP allows no inline script, and a phone needs none). Nothing here decides a
rule: ``RequestLineIn`` and ``RequestCreate`` do, and each refusal is shown beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from collecte.core.errors import CollecteError
from collecte.core.forms import ascii_int, field_errors, form_date, form_text, form_texts, translate
from collecte.core.i18n import gettext
from collecte.core.schemas import MAX_ID
from collecte.core.vocabulary import N_, label
from collecte.core.web import request_language
from collecte.requests.schemas import RequestCreate, RequestLineIn

LINE_FIELDS = ("category", "quantity", "min_ram_gb", "min_storage_gb", "min_grade")
REQUEST_FIELDS = ("beneficiaries_count", "needed_by", "note", "partner_id")
MAX_ROWS = 20  # enough for any request typed by hand; the API takes up to 50 lines
NUMBERS = ("quantity", "min_ram_gb", "min_storage_gb")

# Request values in words where the shared vocabulary's word would mislead ("none" is a
# checklist answer there; a request that got nothing yet is "not started").
REQUEST_LABELS: dict[str, str] = {
    "none": N_("Not started"),
    "partial": N_("Partly served"),
    "complete": N_("Fully served"),
}


def request_label(value: object) -> str:
    """A request status, fulfilment or reason in words, in the current language."""
    key = str(getattr(value, "value", value))
    name = REQUEST_LABELS.get(key)
    return gettext(name) if name else label(value)


def message(request: Request, error: CollecteError) -> str:
    """A service refusal in the visitor's language."""
    return error.message(request_language(request))


@dataclass
class RequestForm:
    """A posted request form: what was typed (to show again), row by row, and what is wrong."""

    values: dict[str, str]
    rows: list[dict[str, str]]
    errors: dict[str, str] = field(default_factory=dict)


def empty_form() -> RequestForm:
    return RequestForm(values={}, rows=[dict.fromkeys(LINE_FIELDS, "")])


def read_request_form(form: FormData) -> RequestForm:
    """The form as posted, then the row operation its button asked for (add, remove a row)."""
    count = ascii_int(form_text(form, "rows"), low=1, high=MAX_ROWS) or 1
    rows = [
        {name: form_text(form, f"line_{i}_{name}") for name in LINE_FIELDS} for i in range(count)
    ]
    op = form_text(form, "op")
    if op == "add" and len(rows) < MAX_ROWS:
        rows.append(dict.fromkeys(LINE_FIELDS, ""))
    elif op.startswith("remove:") and len(rows) > 1:
        index = ascii_int(op.removeprefix("remove:"), low=0, high=len(rows) - 1)
        if index is not None:
            rows.pop(index)
    return RequestForm(values=form_texts(form, REQUEST_FIELDS), rows=rows)


def _blank(row: dict[str, str]) -> bool:
    return not any(row.values())


def _line(request: Request, data: RequestForm, i: int) -> dict[str, Any] | None:
    """Row ``i`` as an API line, or None with its problems in ``data.errors``."""
    row = data.rows[i]
    line: dict[str, Any] = {"category": row["category"], "min_grade": row["min_grade"] or None}
    for name in NUMBERS:
        if not row[name]:
            line[name] = None
            continue
        number = ascii_int(row[name], low=0, high=MAX_ID)
        if number is None:
            data.errors[f"line_{i}_{name}"] = translate(request, N_("Enter a whole number."))
        line[name] = number
    if row["quantity"] == "":
        line.pop("quantity")  # so that the schema says "required"
    try:
        return RequestLineIn.model_validate(line).model_dump(mode="json")
    except ValidationError as exc:
        for name, text in field_errors(request, exc).items():
            data.errors.setdefault(f"line_{i}_{name}", text)
        return None


def validate_request(
    request: Request, data: RequestForm, *, partner_field: bool
) -> RequestCreate | None:
    """The form as the API's ``RequestCreate``, or None with each problem beside its field."""
    lines = []
    for i, row in enumerate(data.rows):
        if _blank(row):
            continue  # an empty row left over is no line
        line = _line(request, data, i)
        if line is not None:
            lines.append(line)
    if not lines and not data.errors:
        data.errors["lines"] = translate(
            request, N_("Ask for at least one line: a category and a quantity.")
        )
    body: dict[str, Any] = {"lines": lines, "note": data.values["note"]}
    count = data.values["beneficiaries_count"]
    if count:
        body["beneficiaries_count"] = ascii_int(count, low=0, high=MAX_ID)
        if body["beneficiaries_count"] is None:
            data.errors["beneficiaries_count"] = translate(request, N_("Enter a whole number."))
    if data.values["needed_by"]:
        body["needed_by"] = form_date(data.values["needed_by"])
        if body["needed_by"] is None:
            data.errors["needed_by"] = translate(request, N_("Enter the date (dd/mm/yyyy)."))
    if partner_field:
        if data.values["partner_id"]:
            body["partner_id"] = data.values["partner_id"]
        else:
            data.errors["partner_id"] = translate(request, N_("This field is required."))
    try:
        created = RequestCreate.model_validate(body)
    except ValidationError as exc:
        for name, text in field_errors(request, exc).items():
            if name != "lines":  # told row by row above
                data.errors.setdefault(name, text)
        return None
    return None if data.errors else created
