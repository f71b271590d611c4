"""The impact API: the counters each role may see, filters, refusals and the CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.core.types import utcnow
from collecte.impact.facts import local_day
from collecte.orgs.models import OrgKind
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.impact import scenario

ZERO = dict.fromkeys(scenario.EXPECTED, 0) | {"reuse_rate": None}


def _get(client: TestClient, settings: Settings, user: User, query: str = "") -> Any:
    response = client.get(f"/api/v1/impact{query}", headers=auth_headers(settings, user))
    assert response.status_code == 200, response.text
    return response.json()


def _counters(client: TestClient, settings: Settings, user: User, query: str = "") -> Any:
    return _get(client, settings, user, query)["counters"]


def test_the_operator_and_an_auditor_see_the_whole_network(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    for role in (Role.ADMIN, Role.AUDITOR):
        body = _get(client, settings, make_user(db, role=role))
        assert body["counters"] == scenario.EXPECTED
        assert body["factors_version"] == "2026-12"
        assert body["displacement"] == 0.5
        assert "not a carbon offset" in body["caveat"]
        assert set(body["breakdowns"]) == {
            "month", "donor", "partner", "site", "territory", "category"
        }  # fmt: skip
        donor_row = body["breakdowns"]["donor"][0]
        assert donor_row["key"] == run.flow.workshop.donor.id
        assert donor_row["name"] == run.flow.workshop.donor.name
        categories = {row["key"]: row["counters"] for row in body["breakdowns"]["category"]}
        assert categories["laptop"]["collected"] == 5
        assert categories["smartphone"]["collected_kg"] == 0.2  # typical weight, unweighed


def test_a_donor_sees_its_own_devices_and_another_donor_nothing(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    donor_user = make_user(db, role=Role.DONOR, organization=run.flow.workshop.donor)
    body = _get(client, settings, donor_user)
    assert body["counters"] == scenario.EXPECTED
    assert body["scope"]["donor_id"] == run.flow.workshop.donor.id
    assert set(body["breakdowns"]) == {"month", "territory", "category"}
    assert _counters(client, settings, make_user(db, role=Role.DONOR)) == ZERO


def test_a_partner_sees_what_was_delivered_to_it_and_zero_for_the_rest(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    counters = _counters(client, settings, run.flow.partner_user)
    assert counters == ZERO | {
        "redistributed": 2,
        "handed_over": 2,
        "people_equipped": 2,
        "waste_avoided_kg": 3.2,
        "co2e_avoided_kg": 182.3,
    }
    assert _counters(client, settings, make_user(db, role=Role.PARTNER)) == ZERO


def test_workshop_staff_see_their_workshop_only(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    assert _counters(client, settings, run.flow.coordinator) == scenario.EXPECTED
    elsewhere = make_organization(db, kind=OrgKind.WORKSHOP)
    assert (
        _counters(client, settings, make_user(db, role=Role.COORDINATOR, organization=elsewhere))
        == ZERO
    )


def test_filters_narrow_the_figures(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    partner_id = run.flow.partner.id
    by_partner = _counters(client, settings, admin, f"?partner_id={partner_id}")
    assert by_partner["redistributed"] == 2
    assert by_partner["collected"] == 0
    site = _counters(client, settings, admin, f"?site_id={run.flow.workshop.site.id}")
    assert site == scenario.EXPECTED
    territory = run.flow.workshop.site.territory
    assert _counters(client, settings, admin, f"?territory={territory}") == scenario.EXPECTED
    assert _counters(client, settings, admin, "?territory=2A") == ZERO
    assert _counters(client, settings, admin, "?from=2001-01-01&to=2001-12-31") == ZERO
    # A period may end ahead (this year's figures, asked before the year is over).
    this_year = local_day(utcnow()).year
    year = f"?from={this_year}-01-01&to={this_year}-12-31"
    assert _counters(client, settings, admin, year) == scenario.EXPECTED


@pytest.mark.parametrize(
    "query",
    ["?territory=XX", "?from=2026-02-01&to=2026-01-01", "?from=1900-01-01", "?from=3000-01-01",
     "?donor_id=0", "?site_id=abc"],
)  # fmt: skip
def test_bad_filters_are_422(
    client: TestClient, settings: Settings, db: Session, query: str
) -> None:
    response = client.get(
        f"/api/v1/impact{query}", headers=auth_headers(settings, make_user(db, role=Role.ADMIN))
    )
    assert response.status_code == 422, response.text
    assert {"error", "detail"} <= set(response.json())


def test_a_filter_naming_someone_elses_organisation_is_404(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    other_donor = make_organization(db, kind=OrgKind.DONOR)
    donor_user = make_user(db, role=Role.DONOR, organization=run.flow.workshop.donor)
    partner_user = run.flow.partner_user
    refusals = [
        (donor_user, f"?donor_id={other_donor.id}"),
        (donor_user, f"?partner_id={run.flow.partner.id}"),
        (donor_user, f"?site_id={run.flow.workshop.site.id}"),
        (partner_user, f"?donor_id={run.flow.workshop.donor.id}"),
        (partner_user, f"?partner_id={make_organization(db, kind=OrgKind.PARTNER).id}"),
        (make_user(db, role=Role.ADMIN), "?donor_id=999999"),
        (make_user(db, role=Role.ADMIN), f"?donor_id={run.flow.partner.id}"),  # not a donor
    ]
    for user, query in refusals:
        for path in ("/api/v1/impact", "/api/v1/impact.csv"):
            response = client.get(f"{path}{query}", headers=auth_headers(settings, user))
            assert response.status_code == 404, (user.role, query, response.text)
            body = response.json()
            assert body["error"] == "not_found"
            assert other_donor.name not in body["detail"]
    own = _counters(client, settings, donor_user, f"?donor_id={run.flow.workshop.donor.id}")
    assert own == scenario.EXPECTED


def test_the_csv_has_the_same_figures_and_neutralises_formulas(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    run.flow.workshop.donor.name = '=HYPERLINK("http://x")'
    db.flush()
    response = client.get(
        "/api/v1/impact.csv", headers=auth_headers(settings, make_user(db, role=Role.ADMIN))
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, total = rows[0], rows[1]
    assert total[:3] == ["total", "", ""]
    assert dict(zip(header[3:], total[3:], strict=True))["redistributed"] == "2"
    donor = next(row for row in rows if row and row[0] == "donor")
    assert donor[2] == '\'=HYPERLINK("http://x")'
    assert ["factors_version", "2026-12"] in rows


def test_signed_out_callers_get_401(client: TestClient) -> None:
    for path in ("/api/v1/impact", "/api/v1/impact.csv"):
        assert client.get(path).status_code == 401
