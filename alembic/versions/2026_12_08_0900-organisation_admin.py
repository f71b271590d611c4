"""an organisation's logo, uploaded by the operator

``organizations.logo`` (the image's bytes, PNG or JPEG) and ``organizations.logo_media_type``
(its type; null when there is no logo). Plain added columns: no table copy, existing rows keep
working and have no logo.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organizations", sa.Column("logo", sa.LargeBinary(), nullable=True))
    op.add_column(
        "organizations", sa.Column("logo_media_type", sa.String(length=20), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("organizations", "logo_media_type")
    op.drop_column("organizations", "logo")
