"""The embedded default at 100,000 devices: a search (matching or not), a workshop's list and a
donor's home page read indexes, never the whole devices table (SQLite's EXPLAIN QUERY PLAN; no
statistics: a server's database has none unless someone runs ANALYZE)."""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.core.db import make_engine
from collecte.core.listing import keyset_page
from collecte.core.migrations import alembic_config
from collecte.devices import codes
from collecte.devices.models import Device
from collecte.devices.service import filtered_devices
from collecte.orgs.models import OrgKind
from collecte.pickups.pages_donor import donor_portal
from tests.dbutil import statements_of
from tests.devices.test_search import scans_devices
from tests.factories.accounts import make_organization, make_site, make_user

DEVICES = 100_000
WORKSHOPS = 4
DONORS = 50


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, dict[str, Any]]]:
    """A migrated SQLite database holding 100,000 devices of 4 workshops and 50 donors."""
    url = f"sqlite:///{tmp_path_factory.mktemp('scale') / 'collecte.db'}"
    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    engine = make_engine(url)
    random_ = random.Random(13)
    with Session(engine) as session:
        workshops = [make_organization(session, kind=OrgKind.WORKSHOP) for _ in range(WORKSHOPS)]
        sites = [make_site(session, organization=workshop) for workshop in workshops]
        donors = [make_organization(session, kind=OrgKind.DONOR) for _ in range(DONORS)]
        serials = ["".join(random_.choices(string.ascii_uppercase, k=10)) for _ in range(DEVICES)]
        now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
        rows = []
        for number, serial in enumerate(serials):
            place = number % WORKSHOPS
            rows.append(
                (_code(number), "laptop", random_.choice(("Lenovo", "Dell", "HP")),
                 f"Model {number % 300}", serial, 1,
                 random_.choice(("received", "available", "delivered", "recycled")),
                 workshops[place].id, sites[place].id, random_.choice(donors).id, now, now, now, 1)
            )  # fmt: skip
        session.connection().exec_driver_sql(
            "INSERT INTO devices (code, category, brand, model, serial, has_storage, status, "
            "organization_id, site_id, donor_id, received_at, history_since, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        people = {
            "technician": make_user(session, role=Role.TECHNICIAN, organization=workshops[0]),
            "admin": make_user(session, role=Role.ADMIN),
            "donor": make_user(session, role=Role.DONOR, organization=donors[0]),
        }
        session.commit()
        searched = serials[DEVICES // 2]
        del rows, serials  # not kept for the rest of the run
        yield session, {"serial": searched, **people}
    engine.dispose()


def _code(number: int) -> str:
    """The number-th code: its digits in the code alphabet (distinct codes, unlike random ones)."""
    digits = ""
    for _ in range(codes.PAYLOAD_LENGTH):
        number, digit = divmod(number, len(codes.ALPHABET))
        digits += codes.ALPHABET[digit]
    return digits + codes.check_character(digits)


def _plans(session: Session, run: Callable[[], object]) -> list[str]:
    """The plans of the statements that read the devices table while ``run`` runs."""
    seen = statements_of(session, run)
    connection = session.connection()
    return [
        " / ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {s}", p))
        for s, p in seen
        if "FROM devices" in s
    ]


def _list_page(session: Session, viewer: User, text: str | None) -> Callable[[], object]:
    query = filtered_devices(
        viewer=viewer, status=None, category=None, site_id=None, donor_id=None, q=text
    )
    return lambda: keyset_page(
        session, query, key=Device.id, cursor=lambda d: str(d.code), after=None, before=None,
        path="/devices", params={},
    )  # fmt: skip


@pytest.mark.parametrize("who", ["technician", "admin"])
@pytest.mark.parametrize("text", ["serial", "QQQQQ", "odel 12"])
def test_a_search_reads_the_search_index(
    crowded: tuple[Session, dict[str, Any]], who: str, text: str
) -> None:
    session, world = crowded
    searched = world["serial"][3:8] if text == "serial" else text
    plans = _plans(session, _list_page(session, world[who], searched))
    assert len(plans) == 2, plans  # the page and its capped count
    for plan in plans:
        assert "devices_search VIRTUAL TABLE INDEX" in plan, plan
        assert not scans_devices(plan), plan


def test_a_workshops_list_reads_its_index_in_order(
    crowded: tuple[Session, dict[str, Any]],
) -> None:
    session, world = crowded
    page, count = _plans(session, _list_page(session, world["technician"], None))
    # The page in order from (organization_id, id), no sort; the count from any index of it.
    assert "USING INDEX ix_devices_organization_id_id (organization_id=?)" in page, page
    assert "(organization_id=?)" in count, count
    for plan in (page, count):
        assert "TEMP B-TREE" not in plan, plan
        assert not scans_devices(plan), plan


def test_a_donors_home_reads_its_index_alone(crowded: tuple[Session, dict[str, Any]]) -> None:
    session, world = crowded
    [plan] = _plans(session, lambda: donor_portal(session, viewer=world["donor"]))
    assert plan == "SEARCH devices USING COVERING INDEX ix_devices_donor_id_status (donor_id=?)"
