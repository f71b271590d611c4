"""The web kit every domain's pages share: reading form posts, running a form's service call in a
savepoint, field errors in the visitor's language, local times."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from collecte.core import i18n
from collecte.core.errors import CollecteError
from collecte.core.schemas import check_plan_date
from collecte.core.validation import validation_reason
from collecte.core.vocabulary import N_
from collecte.core.web import redirect, request_language

# Workshops of the programme work in metropolitan France: pages show and read times in that zone
# (a datetime-local field carries no zone); everything is stored in UTC.
LOCAL_ZONE = ZoneInfo("Europe/Paris")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


async def read_form(request: Request) -> FormData:
    """The posted form (parsed once: the CSRF check has already read it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_texts(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The named text fields, stripped ("" when absent), to validate and to show again on error."""
    return {name: form_text(form, name) for name in names}


def form_upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def read_upload(upload: UploadFile) -> bytes | None:
    """The uploaded bytes, or None when the file is larger than the limit."""
    raw = upload.file.read(MAX_UPLOAD_BYTES + 1)
    return None if len(raw) > MAX_UPLOAD_BYTES else raw


def ascii_int(text: str, *, low: int, high: int) -> int | None:
    """A whole number typed in a form or a query, within ``low``..``high``; None otherwise.

    Only ASCII digits (an optional leading minus when ``low`` allows it): ``str.isdigit`` also
    takes "²" or "٧", which ``int`` then refuses or reads as another number.
    """
    text = text.strip()
    digits = text[1:] if text.startswith("-") and low < 0 else text
    if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def form_date(text: str, *, formats: Iterable[str] = ("%Y-%m-%d", "%d/%m/%Y")) -> dt.date | None:
    """A day typed in a form or a query (YYYY-MM-DD or dd/mm/yyyy) within the planning range;
    None when it is not one."""
    if not text.isascii():
        return None
    for pattern in formats:
        try:
            day = dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
        try:
            return check_plan_date(day)
        except ValueError:
            return None
    return None


def decimal(text: str) -> str:
    """French decimals use a comma; the schemas read a point."""
    return text.replace(",", ".")


def translate(request: Request, message: str) -> str:
    """A marked message in the visitor's language (for messages built outside a template)."""
    return i18n.translations(request_language(request)).gettext(message)


def field_errors(request: Request, error: ValidationError) -> dict[str, str]:
    """One message per form field, in the visitor's language.

    The field is the last name in the error's location (``specs.ram_gb`` is ``ram_gb``), or the
    list's name for an item of a list (``parts.0.name`` is ``parts``).
    """
    found: dict[str, str] = {}
    for problem in error.errors():
        location = problem.get("loc", ())
        if len(location) > 1 and isinstance(location[1], int):
            field = str(location[0])
        else:
            names = [part for part in location if isinstance(part, str)]
            field = names[-1] if names else "form"
        found.setdefault(field, validation_reason(problem).message(request_language(request)))
    return found


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why a form was refused, to show beside it: a message, one per field, a list of problems."""

    status_code: int
    error: str
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)


def attempt(
    request: Request,
    session: Session,
    action: Callable[[], object],
    *,
    describe: Callable[[CollecteError], Refusal] | None = None,
    renamed: Mapping[str, str] | None = None,
    field_of: Mapping[str, str] | None = None,
) -> Refusal | None:
    """Run one form's service call in a savepoint; why it was refused, or None when it went through.

    The savepoint drops any half-written record. ``renamed`` maps a schema field to the form field
    showing it; a service refusal is worded by ``describe`` if given, else shown beside the field
    ``field_of`` names for its code, else above the form, in the visitor's language.
    """
    try:
        with session.begin_nested():
            action()
    except ValidationError as exc:
        errors = {
            (renamed or {}).get(name, name): text
            for name, text in field_errors(request, exc).items()
        }
        return Refusal(422, translate(request, N_("Some fields need correcting.")), errors)
    except CollecteError as exc:
        if describe is not None:
            return describe(exc)
        message = exc.message(request_language(request))
        field = (field_of or {}).get(exc.code)
        if field is None:
            return Refusal(exc.status_code, message)
        error = translate(request, N_("Some fields need correcting."))
        return Refusal(exc.status_code, error, {field: message})
    return None


def act_in_savepoint(
    request: Request,
    session: Session,
    *,
    action: Callable[[], object],
    done_url: str,
    refused: Callable[[Refusal], Response],
    describe: Callable[[CollecteError], Refusal] | None = None,
    renamed: Mapping[str, str] | None = None,
) -> Response:
    """Run one form's service call (``attempt``): redirect on success, the page again if refused."""
    refusal = attempt(request, session, action, describe=describe, renamed=renamed)
    return redirect(done_url) if refusal is None else refused(refusal)


def local_time(value: dt.datetime | None) -> str:
    """A stored UTC time as the workshop reads it: 22/11/2026 14:05."""
    return value.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y %H:%M") if value else "—"


def local_date(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y") if value else "—"


def parse_local_time(text: str) -> dt.datetime | None:
    """A datetime-local field's value (workshop time) as an aware datetime; "" is None."""
    if not text:
        return None
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_ZONE)


def start_of_local_day(now: dt.datetime) -> dt.datetime:
    """Midnight of the workshop's current day, as an aware datetime."""
    local = now.astimezone(LOCAL_ZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
