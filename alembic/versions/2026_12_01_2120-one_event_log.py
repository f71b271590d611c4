"""one event log for every domain: events with dimension columns and a gap-free order

Replaces device_events. Backfills device events (with the device's dimensions as they are now)
and pickup events from the pickups' own columns (request, schedule, collection, cancellation;
the time a pickup was scheduled was not recorded, so that event is dated with the request).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:20:00.000000
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import collecte.core.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ('intake', 'transition', 'diagnosis', 'erasure', 'storage_absent', 'grade', 'repair', 'hold', 'release', 'move', 'label_printed', 'pickup_requested', 'pickup_updated', 'pickup_scheduled', 'pickup_collected', 'pickup_cancelled')
SUBJECTS = ('device', 'pickup', 'request', 'shipment', 'handover')
STATUSES = ('received', 'diagnosed', 'wiped', 'in_repair', 'graded', 'available', 'allocated', 'shipped', 'delivered', 'handed_over', 'returned', 'parts', 'recycled', 'lost')
UTC = collecte.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('event_sequence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sequence'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='event_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subject', sa.Enum(*SUBJECTS, name='event_subject', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('pickup_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('beneficiary_ref', sa.String(length=100), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('territory', sa.String(length=3), nullable=True),
    sa.Column('donor_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('weight_kg', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('occurred_at', UTC, nullable=False),
    sa.Column('recorded_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_events_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_events_device_id_devices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['donor_id'], ['organizations.id'], name=op.f('fk_events_donor_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['partner_id'], ['organizations.id'], name=op.f('fk_events_partner_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pickup_id'], ['pickups.id'], name=op.f('fk_events_pickup_id_pickups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_events_site_id_sites'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['workshop_id'], ['organizations.id'], name=op.f('fk_events_workshop_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_events_seq'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_category'), ['category'], unique=False)
        batch_op.create_index('ix_events_device_id_seq', ['device_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index('ix_events_kind_occurred_at', ['kind', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_events_pickup_id_seq', ['pickup_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_shipment_id'), ['shipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_territory'), ['territory'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_to_status'), ['to_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_workshop_id'), ['workshop_id'], unique=False)

    bind = op.get_bind()
    rows = _device_rows(bind) + _pickup_rows(bind)
    # One order for the whole history: by when it happened, device events before pickup events
    # written at the same instant, then in their original order.
    rows.sort(key=lambda r: (r.pop('_order')))
    events = sa.table(
        'events', *(sa.column(name) for name in (
            'seq', 'kind', 'subject', 'device_id', 'pickup_id', 'from_status', 'to_status',
            'actor_id', 'workshop_id', 'site_id', 'territory', 'donor_id', 'category',
            'weight_kg', 'note', 'payload', 'occurred_at', 'recorded_at')),
    )
    for seq, row in enumerate(rows, start=1):
        row['seq'] = seq
    if rows:
        payload_type = sa.JSON()
        op.get_bind().execute(
            events.insert().values(
                payload=sa.bindparam('payload', type_=payload_type),
                occurred_at=sa.bindparam('occurred_at', type_=UTC),
                recorded_at=sa.bindparam('recorded_at', type_=UTC),
            ),
            rows,
        )
    op.execute(sa.text('INSERT INTO event_sequence (id, last) VALUES (1, :last)').bindparams(last=len(rows)))
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.drop_index('ix_device_events_device_id_id')
        batch_op.drop_index(batch_op.f('ix_device_events_at'))
        batch_op.drop_index(batch_op.f('ix_device_events_actor_id'))
    op.drop_table('device_events')


def _json(value: Any) -> Any:
    """A JSON column read through plain SQL: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _device_rows(bind: Any) -> list[dict[str, Any]]:
    query = sa.text(
        "SELECT e.id, e.device_id, e.kind, e.from_status, e.to_status, e.actor_id, e.site_id,"
        " e.note, e.payload, e.at, d.organization_id, d.donor_id, d.pickup_id, d.category,"
        " d.weight_kg, s.territory"
        " FROM device_events e JOIN devices d ON d.id = e.device_id"
        " LEFT JOIN sites s ON s.id = e.site_id ORDER BY e.id"
    )
    rows = []
    for r in bind.execute(query).mappings():
        payload = dict(_json(r['payload']) or {})
        if r['kind'] == 'hold' and 'reason' not in payload:
            payload['reason'] = r['note']
        at = _aware(r['at'])
        rows.append({
            '_order': (at, 0, r['id']),
            'kind': r['kind'], 'subject': 'device', 'device_id': r['device_id'],
            'pickup_id': r['pickup_id'], 'from_status': r['from_status'],
            'to_status': r['to_status'], 'actor_id': r['actor_id'],
            'workshop_id': r['organization_id'], 'site_id': r['site_id'],
            'territory': r['territory'], 'donor_id': r['donor_id'], 'category': r['category'],
            'weight_kg': payload.get('weight_kg', r['weight_kg']), 'note': r['note'] or '',
            'payload': payload, 'occurred_at': at, 'recorded_at': at,
        })
    return rows


def _pickup_rows(bind: Any) -> list[dict[str, Any]]:
    query = sa.text(
        "SELECT p.id, p.donor_id, p.status, p.territory, p.site_id, p.requested_by,"
        " p.requested_at, p.scheduled_on, p.window_start, p.window_end, p.vehicle,"
        " p.collected_at, p.collected_counts, p.collected_weight_kg, p.released_by,"
        " p.received_by, p.cancelled_at, p.cancel_reason, p.items, s.organization_id"
        " FROM pickups p LEFT JOIN sites s ON s.id = p.site_id ORDER BY p.id"
    )
    rows = []
    for r in bind.execute(query).mappings():
        common = {
            'subject': 'pickup', 'device_id': None, 'pickup_id': r['id'], 'actor_id': None,
            'donor_id': r['donor_id'], 'territory': r['territory'], 'category': None,
            'weight_kg': None, 'note': '',
        }
        requested = _aware(r['requested_at'])
        steps = [(
            'pickup_requested', None, 'requested', requested, None, None,
            {'items': list(_json(r['items']) or [])}, r['requested_by'],
        )]
        previous = 'requested'
        if r['scheduled_on'] is not None:
            steps.append((
                'pickup_scheduled', previous, 'scheduled', requested, r['site_id'],
                r['organization_id'],
                {'date': str(r['scheduled_on'])[:10], 'site_id': r['site_id'],
                 'window_start': r['window_start'] or '', 'window_end': r['window_end'] or '',
                 'vehicle': r['vehicle'] or ''},
                None,
            ))
            previous = 'scheduled'
        if r['status'] == 'collected' and r['collected_at'] is not None:
            steps.append((
                'pickup_collected', previous, 'collected', _aware(r['collected_at']),
                r['site_id'], r['organization_id'],
                {'weight_kg': r['collected_weight_kg'] or 0.0,
                 'counts': dict(_json(r['collected_counts']) or {}),
                 'released_by': r['released_by'] or '', 'received_by': r['received_by'] or ''},
                None,
            ))
        if r['status'] == 'cancelled':
            steps.append((
                'pickup_cancelled', previous, 'cancelled',
                _aware(r['cancelled_at']) if r['cancelled_at'] is not None else requested,
                r['site_id'], r['organization_id'], {'reason': r['cancel_reason'] or ''}, None,
            ))
        for n, (kind, from_status, to_status, at, site_id, workshop_id, payload, actor) in enumerate(steps):
            rows.append({
                **common, '_order': (at, 1, r['id'] * 10 + n), 'kind': kind,
                'from_status': from_status, 'to_status': to_status, 'site_id': site_id,
                'workshop_id': workshop_id, 'payload': payload, 'actor_id': actor,
                'weight_kg': payload.get('weight_kg') if kind == 'pickup_collected' else None,
                'note': payload.get('reason', '') if kind == 'pickup_cancelled' else '',
                'occurred_at': at, 'recorded_at': at,
            })
    return rows


def downgrade() -> None:
    op.create_table('device_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.Enum(*STATUSES, name='event_from_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum(*STATUSES, name='event_to_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_device_events_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_events_device_id_devices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_device_events_site_id_sites'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_events'))
    )
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_device_events_device_id_id', ['device_id', 'id'], unique=False)
    # Device events go back (statuses outside the old enum, such as a found device's, are kept
    # as they are); pickup events have no older home and are dropped with the table.
    op.execute(
        "INSERT INTO device_events (device_id, kind, from_status, to_status, actor_id, site_id,"
        " note, payload, at) SELECT device_id, kind, from_status, to_status, actor_id, site_id,"
        " note, payload, occurred_at FROM events WHERE subject = 'device' AND kind != 'storage_absent'"
        " ORDER BY seq"
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        for name in ('ix_events_workshop_id', 'ix_events_to_status', 'ix_events_territory',
                     'ix_events_site_id', 'ix_events_shipment_id', 'ix_events_request_id',
                     'ix_events_partner_id', 'ix_events_occurred_at', 'ix_events_donor_id',
                     'ix_events_category', 'ix_events_actor_id'):
            batch_op.drop_index(batch_op.f(name))
        batch_op.drop_index('ix_events_pickup_id_seq')
        batch_op.drop_index('ix_events_kind_occurred_at')
        batch_op.drop_index('ix_events_device_id_seq')
    op.drop_table('events')
    op.drop_table('event_sequence')
