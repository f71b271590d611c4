"""documents are issued once: stored bytes, versions, verification codes; organisations' legal name

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:30:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Crockford base32, as collecte.documents.codes draws it (copied: a migration never imports app code
# that may change after it).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=True))

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('produced_at', new_column_name='issued_at', existing_type=sa.DateTime(timezone=True), existing_nullable=False)
        # Rows recorded before documents were stored were rendered in English, one per download.
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('facts_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verification_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('covers', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('issuer_name', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('issuer_organization_id', sa.Integer(), nullable=True))

    documents = sa.table(
        'documents', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
        sa.column('subject', sa.String()), sa.column('verification_code', sa.String()),
        sa.column('version', sa.Integer()), sa.column('supersedes_id', sa.Integer()),
    )
    connection = op.get_bind()
    # Each download made a row: the rows of one document become its versions, in the order they
    # were made, each superseding the one before (all English: language 'en').
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    rows = connection.execute(
        sa.select(documents.c.id, documents.c.kind, documents.c.subject).order_by(documents.c.id)
    ).all()
    for document_id, kind, subject in rows:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        previous = latest.get((kind, subject))
        version = previous[1] + 1 if previous else 1
        connection.execute(
            documents.update().where(documents.c.id == document_id).values(
                verification_code=code,
                version=version,
                supersedes_id=previous[0] if previous else None,
            )
        )
        latest[kind, subject] = (document_id, version)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        # The defaults only filled the existing rows: the application sets every column itself.
        batch_op.alter_column('language', existing_type=sa.String(length=2), server_default=None)
        batch_op.alter_column('version', existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column('covers', existing_type=sa.String(length=500), server_default=None)
        batch_op.alter_column('issuer_name', existing_type=sa.String(length=500), server_default=None)
        batch_op.alter_column('verification_code', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_documents_verification_code'), ['verification_code'])
        batch_op.create_unique_constraint(batch_op.f('uq_documents_supersedes_id'), ['supersedes_id'])
        batch_op.create_index('ix_documents_issue_key', ['kind', 'subject', 'language', 'version'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_documents_supersedes_id_documents'), 'documents', ['supersedes_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_documents_issuer_organization_id_organizations'), 'organizations', ['issuer_organization_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_issuer_organization_id_organizations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_documents_supersedes_id_documents'), type_='foreignkey')
        batch_op.drop_index('ix_documents_issue_key')
        batch_op.drop_constraint(batch_op.f('uq_documents_supersedes_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_documents_verification_code'), type_='unique')
        batch_op.drop_column('issuer_organization_id')
        batch_op.drop_column('issuer_name')
        batch_op.drop_column('covers')
        batch_op.drop_column('verification_code')
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('version')
        batch_op.drop_column('content')
        batch_op.drop_column('facts_sha256')
        batch_op.drop_column('language')
        batch_op.alter_column('issued_at', new_column_name='produced_at', existing_type=sa.DateTime(timezone=True), existing_nullable=False)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('legal_name')
