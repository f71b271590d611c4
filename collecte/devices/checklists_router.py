"""The diagnosis checklists, published so an integration knows what a diagnosis must answer."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from collecte.auth.deps import CurrentUser
from collecte.devices.checklists import CHECKLISTS, Category, CheckKind

router = APIRouter(prefix="/api/v1", tags=["devices"])


class CheckOut(BaseModel):
    name: str
    kind: CheckKind
    label: str
    required: bool
    choices: list[str]


@router.get("/checklists", response_model=dict[Category, list[CheckOut]])
def list_checklists(_viewer: CurrentUser) -> dict[Category, list[CheckOut]]:
    """Per category, each check a diagnosis answers: its name, kind, whether required, choices."""
    return {
        category: [
            CheckOut(
                name=item.name,
                kind=item.kind,
                label=item.label,
                required=item.required,
                choices=list(item.choices),
            )
            for item in items
        ]
        for category, items in CHECKLISTS.items()
    }
