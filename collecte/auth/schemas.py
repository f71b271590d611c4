"""API shapes for tokens and users."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from collecte.auth.models import Role
from collecte.core.schemas import IdField, Line, PartialUpdate


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires.")


# A password is any text of 10 to 200 characters (collecte.auth.passwords.MIN_PASSWORD_LENGTH).
Password = Annotated[Line, Field(min_length=10, max_length=200)]


class UserCreate(BaseModel):
    email: EmailStr
    password: Password
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


class UserUpdate(PartialUpdate):
    """What the operator may change of an account; an absent field is kept. ``active: false``
    deactivates it (no sign-in, its sessions and tokens refused); ``organization_id: null`` takes
    it out of its organisation (an admin or an auditor has none)."""

    nullable = frozenset({"organization_id"})

    role: Role = Role.AUDITOR
    full_name: Line = Field(default="", max_length=200)
    active: bool = True
    integration_contract: bool = False
    organization_id: IdField | None = None


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: Password
