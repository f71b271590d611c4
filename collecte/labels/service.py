"""Device labels: what a label says about a device, and batches of labels on a stock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from collecte.auth.models import User
from collecte.auth.policy import does_workshop_work
from collecte.core.errors import Forbidden, InvalidInput, NotFound, Reason
from collecte.core.vocabulary import N_, label
from collecte.devices.codes import InvalidCode, parse_code
from collecte.devices.models import Device
from collecte.devices.policy import visible_devices
from collecte.devices.rules import DeviceFacts, facts_for
from collecte.devices.service import get_device
from collecte.labels.render import LabelContent, media_type, render_labels
from collecte.labels.stocks import LabelStock, get_stock, load_stocks

MAX_LABELS = 5000


def require_label_printer(viewer: User) -> None:
    """Refuse anyone whose work is not printing device labels."""
    # Label printing is workshop work: auditors and donors may read devices, not label them.
    if not does_workshop_work(viewer):
        raise Forbidden(
            "not_workshop_staff", N_("a %(role)s may not do workshop work"), role=viewer.role
        )


def list_templates() -> list[dict[str, Any]]:
    """Every label stock: id (the `template` value), name, kind and size."""
    return [
        {
            "id": stock.id,
            "name": stock.name,
            "kind": stock.kind,
            "width_mm": stock.label_width_mm,
            "height_mm": stock.label_height_mm,
            "per_page": stock.per_page,
            "dpi": stock.dpi,
        }
        for stock in sorted(load_stocks().values(), key=lambda s: s.id)
    ]


def stock_for(template: str) -> LabelStock:
    try:
        return get_stock(template)
    except KeyError as exc:
        known = ", ".join(sorted(load_stocks()))
        raise InvalidInput(
            "unknown_label_template",
            N_("unknown label template '%(template)s'; known: %(known)s"),
            template=template,
            known=known,
        ) from exc


def label_content(
    device: Device, facts: DeviceFacts, *, programme: str, base_url: str, qr: bool = True
) -> LabelContent:
    """What the label of a device prints: identity at intake, grade and erasure mark once known."""
    erased = facts.carries_storage and device.grade is not None and facts.erasure_cleared
    return LabelContent(
        code=device.code,
        programme=programme,
        category=label(device.category),
        brand=device.brand,
        model=device.model,
        serial=device.serial,
        intake_on=device.received_at.date(),
        grade=device.grade.value if device.grade else None,
        erased=erased,
        url=f"{base_url.rstrip('/')}/devices/{device.code}" if qr else None,
    )


def device_for_label(session: Session, *, viewer: User, raw_code: str) -> Device:
    """The one device whose label the viewer asks for (its page's button, the API)."""
    require_label_printer(viewer)
    return get_device(session, viewer=viewer, raw_code=raw_code)


def devices_for_labels(session: Session, *, viewer: User, raw_codes: Sequence[str]) -> list[Device]:
    """The devices named by these codes, in the order given; every code must be valid and visible."""
    require_label_printer(viewer)
    if not raw_codes:
        raise InvalidInput("no_device_code", N_("give at least one device code"))
    if len(raw_codes) > MAX_LABELS:
        raise InvalidInput(
            "too_many_labels", N_("at most %(limit)s labels per batch"), limit=MAX_LABELS
        )
    problems: list[Reason] = []
    wanted = []
    for raw in raw_codes:
        try:
            wanted.append(parse_code(raw))
        except InvalidCode as exc:
            problems.append(
                Reason(
                    "invalid_code", N_("%(raw)r: %(problem)s"), {"raw": raw, "problem": exc.reason}
                )
            )
    if problems:
        raise InvalidInput(
            "invalid_codes",
            N_("these are not device codes: %(problems)s"),
            extra={"invalid": [p.detail for p in problems]},
            problems=problems[:20],
        )
    found = {
        d.code: d
        for d in session.scalars(visible_devices(viewer).where(Device.code.in_(set(wanted))))
    }
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound("not_found", N_("no device %(codes)s"), codes=", ".join(missing[:20]))
    return [found[c] for c in wanted]


def render_device_labels(
    session: Session,
    *,
    devices: Sequence[Device],
    template: str,
    skip: int,
    programme: str,
    base_url: str,
    on_progress: Callable[[int], None] | None = None,
    qr: bool = False,
) -> tuple[bytes, str]:
    """Labels for these devices on a stock: (content, media type); ``qr`` adds the page URL."""
    stock = stock_for(template)
    if not 0 <= skip < stock.per_page:
        raise InvalidInput(
            "skip_out_of_range",
            N_("skip must be between 0 and %(limit)s for %(stock)s"),
            limit=stock.per_page - 1,
            stock=stock.name,
        )
    facts = facts_for(session, (d.id for d in devices))  # one query for the whole batch
    contents = [
        label_content(d, facts[d.id], programme=programme, base_url=base_url, qr=qr)
        for d in devices
    ]
    return render_labels(stock, contents, skip=skip, on_progress=on_progress), media_type(stock)


def devices_by_filter(
    session: Session, *, viewer: User, status: str | None, limit: int
) -> list[Device]:
    """Visible devices to label in bulk, oldest first (used by the CLI)."""
    require_label_printer(viewer)
    if not 1 <= limit <= MAX_LABELS:
        raise InvalidInput(
            "too_many_labels", N_("at most %(limit)s labels per batch"), limit=MAX_LABELS
        )
    query = visible_devices(viewer).order_by(Device.id)
    if status:
        query = query.where(Device.status == status)
    return list(session.scalars(query.limit(limit)))
