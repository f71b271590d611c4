"""JSON API: replace a pickup's declared serials with those of the donor's inventory file."""

from __future__ import annotations

from typing import ClassVar

from fastapi import APIRouter, UploadFile

from collecte.auth.deps import CurrentUser
from collecte.core.db import SessionDep
from collecte.core.errors import CollecteError
from collecte.core.forms import read_upload
from collecte.core.schemas import IdPath
from collecte.core.vocabulary import N_
from collecte.pickups import policy, service
from collecte.pickups.inventory import parse_inventory
from collecte.pickups.models import Pickup
from collecte.pickups.schemas import PickupOut, PickupUpdate

router = APIRouter(prefix="/api/v1/pickups", tags=["pickups"])


class FileTooLarge(CollecteError):
    status_code: ClassVar[int] = 413
    kind: ClassVar[str] = "too_large"


def read_inventory_upload(upload: UploadFile) -> bytes:
    """The uploaded bytes, refused beyond the size limit."""
    raw = read_upload(upload)
    if raw is None:
        raise FileTooLarge("file_too_large", N_("the inventory file is larger than 5 MiB"))
    return raw


@router.put("/{pickup_id}/inventory", response_model=PickupOut)
def replace_inventory(
    pickup_id: IdPath, file: UploadFile, session: SessionDep, viewer: CurrentUser
) -> Pickup:
    """Replace the declared serials with those of an inventory CSV (serial or asset_tag column),
    while the pickup can still be edited."""
    pickup = service.get_pickup(session, viewer=viewer, pickup_id=pickup_id)
    policy.require_editable(viewer, pickup)  # who may and whether it still can, before the file
    serials = parse_inventory(read_inventory_upload(file))
    return service.update_pickup(
        session, viewer=viewer, pickup=pickup, update=PickupUpdate(declared_serials=serials)
    )
