"""JSON API for label stocks and label batches (PDF or ZPL)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from collecte.auth.deps import CurrentUser, SettingsDep
from collecte.core.db import SessionDep
from collecte.labels import service

router = APIRouter(prefix="/api/v1", tags=["labels"])

DEFAULT_TEMPLATE = "brother-dk11209"


class LabelBatchIn(BaseModel):
    codes: list[str] = Field(min_length=1, max_length=service.MAX_LABELS)
    template: str = Field(default=DEFAULT_TEMPLATE, max_length=60)
    skip: int = Field(
        default=0, ge=0, le=1000, description="Used labels to leave blank on the first sheet."
    )
    qr: bool = Field(default=False, description="Add a QR code with the device page URL.")


def label_response(content: bytes, media_type: str, name: str) -> Response:
    extension = "pdf" if media_type == "application/pdf" else "zpl"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="{name}.{extension}"'},
    )


@router.get("/labels/templates")
def templates(_viewer: CurrentUser) -> list[dict[str, Any]]:
    """The label stocks: `id` is the value of `template`."""
    return service.list_templates()


@router.post(
    "/labels",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/plain": {}}}},
)
def print_labels(
    body: LabelBatchIn, session: SessionDep, viewer: CurrentUser, settings: SettingsDep
) -> Response:
    """Labels for a batch of devices on one stock: a PDF, or ZPL text for a Zebra stock."""
    devices = service.devices_for_labels(session, viewer=viewer, raw_codes=body.codes)
    content, media_type = service.render_device_labels(
        session,
        devices=devices,
        template=body.template,
        skip=body.skip,
        programme=settings.programme_name,
        base_url=settings.public_base_url,
        qr=body.qr,
    )
    return label_response(content, media_type, f"labels-{len(devices)}")


@router.get(
    "/devices/{code}/label.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def device_label(
    code: str,
    session: SessionDep,
    viewer: CurrentUser,
    settings: SettingsDep,
    template: Annotated[str, Query(max_length=60)] = DEFAULT_TEMPLATE,
    qr: bool = True,
) -> Response:
    """One device's label on the chosen stock (with a QR code of its page unless `qr=false`)."""
    device = service.device_for_label(session, viewer=viewer, raw_code=code)
    content, media_type = service.render_device_labels(
        session,
        devices=[device],
        template=template,
        skip=0,
        programme=settings.programme_name,
        base_url=settings.public_base_url,
        qr=qr,
    )
    return label_response(content, media_type, f"label-{device.code}")
