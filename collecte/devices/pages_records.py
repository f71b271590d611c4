"""The workshop records taken on the device page: diagnosis, erasure (typed or an nwipe log),
grade and repair. Each calls the service the JSON API calls; see pages_device.act_on_device."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from collecte.auth.deps import WebUser
from collecte.core.db import SessionDep
from collecte.core.errors import InvalidInput
from collecte.core.forms import (
    FormDep,
    decimal,
    form_texts,
    form_upload,
    parse_local_time,
    read_upload,
)
from collecte.core.vocabulary import N_
from collecte.core.web import require_csrf
from collecte.devices import records, service
from collecte.devices.checklists import CHECKLISTS, ChecklistError, suggested_result
from collecte.devices.pages_device import act_on_device
from collecte.devices.schemas import DiagnosisIn, ErasureIn, GradeIn, RepairIn

router = APIRouter(include_in_schema=False)

ERASURE_FIELDS = (
    "storage_serial",
    "storage_make",
    "storage_model",
    "storage_size_gb",
    "method",
    "nist_level",
    "tool",
    "tool_version",
    "started_at",
    "ended_at",
    "result",
    "verification_method",
    "verified",
    "verifier_id",
)
# "Battery × 2", "Keyboard x2", or just "Keyboard" (one).
_PART_LINE = re.compile(r"^(?P<name>.+?)\s*(?:×|\s[xX*])\s*(?P<quantity>\d{1,4})$")


@router.post("/devices/{code}/diagnosis", dependencies=[Depends(require_csrf)])
def diagnose(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Record the category's checklist; "automatic" takes the result the answers suggest."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    items = CHECKLISTS[device.category]
    values = form_texts(form, [*(f"check_{i.name}" for i in items), "result", "notes"])
    checks = {i.name: values[f"check_{i.name}"] for i in items if values[f"check_{i.name}"]}

    def act() -> None:
        result = values["result"]
        if result not in ("pass", "fail"):
            try:
                result = suggested_result(device.category, checks)
            except ChecklistError:
                result = "fail"  # the record below lists what is missing
        body = DiagnosisIn.model_validate(
            {"result": result, "checks": checks, "notes": values["notes"]}
        )
        records.record_diagnosis(
            session,
            device=device,
            actor=user,
            result=body.result,
            checks=body.checks,
            notes=body.notes,
        )

    return act_on_device(
        request, session, user, device, form="diagnosis", values=values, action=act
    )


@router.post("/devices/{code}/erasure", dependencies=[Depends(require_csrf)])
def erase(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Record one storage medium's erasure and its verification."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ERASURE_FIELDS)

    def act() -> None:
        data: dict[str, Any] = {
            k: values[k] for k in ERASURE_FIELDS if values[k] and not k.endswith(("_at", "_gb"))
        }
        data["verified"] = values["verified"] == "yes"
        for key in ("started_at", "ended_at"):
            try:
                data[key] = parse_local_time(values[key])
            except ValueError:
                data[key] = values[key]  # left for validation to report
        if size := decimal(values["storage_size_gb"]):
            try:
                data["storage_size_bytes"] = round(float(size) * 1_000_000_000)
            except (ValueError, OverflowError):  # "x", "nan", "inf"
                data["storage_size_bytes"] = size
        body = ErasureIn.model_validate(data)
        records.record_erasure(session, device=device, actor=user, **body.model_dump())

    return act_on_device(
        request,
        session,
        user,
        device,
        form="erasure",
        values=values,
        action=act,
        renamed={"storage_size_bytes": "storage_size_gb"},
    )


@router.post("/devices/{code}/erasure-log", dependencies=[Depends(require_csrf)])
def erase_from_log(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Upload an nwipe/ShredOS log: one erasure record per drive it reports."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    upload = form_upload(form, "log")

    def act() -> None:
        if upload is None:
            raise InvalidInput("nwipe_log_missing", N_("Choose the nwipe log file."))
        raw = read_upload(upload)
        if raw is None:
            raise InvalidInput("file_too_large", N_("The file is larger than 5 MiB."))
        records.import_nwipe_log(session, device=device, actor=user, raw=raw)

    return act_on_device(request, session, user, device, form="nwipe", values={}, action=act)


@router.post("/devices/{code}/grade", dependencies=[Depends(require_csrf)])
def grade(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Grade on the functional and cosmetic axes."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("functional", "cosmetic", "notes"))

    def act() -> None:
        body = GradeIn.model_validate(values)
        records.record_grade(
            session,
            device=device,
            actor=user,
            functional=body.functional,
            cosmetic=body.cosmetic,
            notes=body.notes,
        )

    return act_on_device(request, session, user, device, form="grade", values=values, action=act)


def parse_parts(text: str) -> list[dict[str, Any]]:
    """Parts lines as typed: "name × quantity" (or "name x 2"), one per line; no quantity is one."""
    parts: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = _PART_LINE.match(line)
        if match:
            parts.append({"name": match["name"].strip(), "quantity": int(match["quantity"])})
        else:
            parts.append({"name": line, "quantity": 1})
    return parts


@router.post("/devices/{code}/repairs", dependencies=[Depends(require_csrf)])
def repair(
    request: Request, session: SessionDep, user: WebUser, code: str, form: FormDep
) -> Response:
    """Record a repair: what was done, parts used and minutes spent."""
    device = service.get_device_for_work(session, viewer=user, raw_code=code)
    values = form_texts(form, ("description", "parts", "minutes"))

    def act() -> None:
        body = RepairIn.model_validate(
            {
                "description": values["description"],
                "parts": parse_parts(values["parts"]),
                "minutes": values["minutes"] or None,
            }
        )
        records.record_repair(
            session,
            device=device,
            actor=user,
            description=body.description,
            parts=[p.model_dump() for p in body.parts],
            minutes=body.minutes,
        )

    return act_on_device(request, session, user, device, form="repair", values=values, action=act)
