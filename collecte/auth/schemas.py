"""API shapes for tokens and users."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from collecte.auth.models import Role
from collecte.core.schemas import IdField, Line


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires.")


class UserCreate(BaseModel):
    email: EmailStr
    password: Line = Field(min_length=10, max_length=200)
    role: Role
    organization_id: IdField | None = None
    full_name: Line = Field(default="", max_length=200)
    integration_contract: bool = False


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    role: Role
    organization_id: int | None
    integration_contract: bool
    active: bool
    created_at: dt.datetime
