"""Portable enum columns: stored as their string values, checked by a named constraint."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A non-native enum storing ``member.value``, the same on SQLite and PostgreSQL."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(str(m.value)) for m in enum_class),
        values_callable=lambda members: [str(m.value) for m in members],
        validate_strings=True,
    )
