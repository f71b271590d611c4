"""Shared API field types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

# Ids are 32-bit on every backend; a larger number can name nothing and must not reach the driver.
MAX_ID = 2_147_483_647

IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
