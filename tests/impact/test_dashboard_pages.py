"""The impact dashboard page and its CSV: each role sees its own scope (as the API), filters list
only what the reader may see, a filter naming someone else's organisation is a 404 page, a bad
value is the form again with a message (422), never a 500."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.orgs.models import OrgKind
from tests.factories.accounts import make_organization, make_site, make_user
from tests.factories.devices import Workshop
from tests.impact import scenario
from tests.pickups.pagehelpers import Browser

Open = Callable[[User], Browser]


def _card(page: str, key: str) -> str:
    """The value shown on a counter's card, with its unit."""
    found = re.search(
        rf'id="counter-{key}">\s*<span class="counter-title">[^<]*</span>\s*'
        r'<span class="counter-value">(.*?)</span>\s*<span class="counter-definition">',
        page,
        re.S,
    )
    assert found, key
    return re.sub(r"<[^>]+>", "", found.group(1))


def _options(page: str, name: str) -> dict[str, str]:
    """A select's options (value: text), "" when the select is absent."""
    select = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select is None:
        return {}
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def test_the_operator_sees_the_network_with_every_chart_table_and_filter(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    other = Workshop(db)  # another workshop, its site and donor: the operator sees them too
    page = browser(make_user(db, role=Role.ADMIN)).get("/impact/dashboard")
    assert page.status_code == 200, page.text
    html = page.text
    assert _card(html, "collected") == "6"
    assert _card(html, "collected_kg") == "8,2 kg"
    assert _card(html, "co2e_avoided_kg") == "182,3 kg\u00a0CO₂e"
    assert _card(html, "reuse_rate").startswith("33")
    assert _card(html, "integration_hours") == "1,5 h"
    assert "2026-12" in html  # the factor version
    assert "not a carbon offset" in html or "pas une compensation" in html
    for chart in ("chart-month", "chart-funnel", "chart-category", "chart-territory"):
        assert f'id="{chart}"' in html, chart
    for breakdown in ("month", "category", "territory", "donor", "partner", "site"):
        assert f'id="table-{breakdown}"' in html, breakdown
    workshop = run.flow.workshop
    assert _options(html, "donor_id")[str(workshop.donor.id)] == workshop.donor.name
    assert str(other.donor.id) in _options(html, "donor_id")
    assert str(run.flow.partner.id) in _options(html, "partner_id")
    assert set(_options(html, "site_id")) >= {str(workshop.site.id), str(other.site.id), ""}
    assert 'href="/impact/dashboard.csv"' in html
    assert 'href="/impact/report.pdf"' in html


def test_a_donor_sees_its_own_devices_and_no_filter_naming_others(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    donor = make_user(db, role=Role.DONOR, organization=run.flow.workshop.donor)
    html = browser(donor).get("/impact/dashboard").text
    assert _card(html, "collected") == "6"
    assert _card(html, "redistributed") == "2"
    for name in ("donor_id", "partner_id", "site_id"):
        assert _options(html, name) == {}
    assert 'id="f-territory"' in html
    assert 'id="table-donor"' not in html
    assert 'id="table-partner"' not in html
    assert run.flow.partner.name not in html
    assert run.flow.workshop.site.name not in html
    # another donor: nothing of this one's
    stranger = browser(make_user(db, role=Role.DONOR)).get("/impact/dashboard").text
    assert _card(stranger, "collected") == "0"
    assert 'class="no-data"' in stranger


def test_a_partner_sees_what_was_delivered_to_it(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    html = browser(run.flow.partner_user).get("/impact/dashboard").text
    assert _card(html, "collected") == "0"
    assert _card(html, "redistributed") == "2"
    assert _card(html, "people_equipped") == "2"
    assert _options(html, "donor_id") == {}
    assert run.flow.workshop.donor.name not in html


def test_workshop_staff_filter_by_what_their_workshop_may_see(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    other = Workshop(db)
    elsewhere = make_organization(db, kind=OrgKind.DONOR, postcode="69007", name="Donateur Lyon")
    html = browser(run.flow.coordinator).get("/impact/dashboard").text
    assert _card(html, "collected") == "6"
    donors = _options(html, "donor_id")
    assert str(run.flow.workshop.donor.id) in donors
    assert str(elsewhere.id) not in donors
    assert set(_options(html, "site_id")) == {"", str(run.flow.workshop.site.id)}
    assert other.site.name not in html
    # the other workshop's coordinator counts none of these devices
    outsider = make_user(db, role=Role.COORDINATOR, organization=other.organization)
    assert _card(browser(outsider).get("/impact/dashboard").text, "collected") == "0"


def test_an_auditor_reads_the_network(db: Session, browser: Open, run: scenario.Scenario) -> None:
    html = browser(make_user(db, role=Role.AUDITOR)).get("/impact/dashboard").text
    assert _card(html, "collected") == "6"
    assert str(run.flow.workshop.site.id) in _options(html, "site_id")


def test_filters_narrow_the_figures_and_follow_into_the_links(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    admin = browser(make_user(db, role=Role.ADMIN))
    donor_id = run.flow.workshop.donor.id
    page = admin.get(f"/impact/dashboard?from=&to=&donor_id={donor_id}&partner_id=&territory=")
    assert page.status_code == 200
    assert _card(page.text, "collected") == "6"
    assert f'href="/impact/dashboard.csv?donor_id={donor_id}"' in page.text
    assert f'<option value="{donor_id}" selected>' in page.text
    past = admin.get("/impact/dashboard?from=01/01/2020&to=2020-12-31&territory=2a").text
    assert _card(past, "collected") == "0"
    # the links carry the filters as the API reads them: ISO days, the département's code
    query = "from=2020-01-01&amp;to=2020-12-31&amp;territory=2A"
    assert f'href="/impact/report.pdf?{query}"' in past
    assert admin.get(f"/impact/dashboard.csv?{query.replace('&amp;', '&')}").status_code == 200
    assert past.count('class="no-data"') >= 3
    other_site = make_site(db, organization=Workshop(db).organization)
    assert _card(admin.get(f"/impact/dashboard?site_id={other_site.id}").text, "collected") == "0"


def test_a_filter_naming_an_organisation_the_reader_may_not_see_is_a_404_page(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    stranger = browser(make_user(db, role=Role.DONOR))
    for query in (
        f"donor_id={run.flow.workshop.donor.id}",
        f"partner_id={run.flow.partner.id}",
        f"site_id={run.flow.workshop.site.id}",
    ):
        for path in ("/impact/dashboard", "/impact/dashboard.csv"):
            page = stranger.get(f"{path}?{query}")
            assert page.status_code == 404, (path, query)
            assert "text/html" in page.headers["content-type"]
            assert "Page introuvable" in page.text


def test_bad_filter_values_give_the_form_again_with_a_message(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    admin = browser(make_user(db, role=Role.ADMIN))
    for query, field in (
        ("from=yesterday", "from"),
        ("to=2026-02-31", "to"),
        ("donor_id=abc", "donor_id"),
        ("site_id=-4", "site_id"),
        ("partner_id=99999999999999999999", "partner_id"),
    ):
        page = admin.get(f"/impact/dashboard?{query}")
        assert page.status_code == 422, query
        assert f'id="e-{field}"' in page.text, query
        assert 'id="counters"' not in page.text
        assert 'id="download-csv"' not in page.text
    for query, words in (
        ("from=2026-05-01&to=2026-04-01", "la période se termine avant de commencer"),
        ("from=1900-01-01", "une période du"),
        ("territory=ZZ", 'id="filter-error"'),
    ):
        page = admin.get(f"/impact/dashboard?{query}")
        assert page.status_code == 422, query
        assert words in page.text, query
    assert admin.get("/impact/dashboard.csv?from=yesterday").status_code == 422


def test_the_csv_neutralises_formulas_and_needs_a_signed_in_reader(
    db: Session, browser: Open, run: scenario.Scenario, app: object
) -> None:
    run.flow.workshop.donor.name = '=HYPERLINK("http://evil")'
    db.flush()
    admin = browser(make_user(db, role=Role.ADMIN))
    response = admin.get("/impact/dashboard.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:4] == ["total", "", "", "6"]
    names = [row[2] for row in rows if row and row[0] == "donor"]
    assert names == ['\'=HYPERLINK("http://evil")']
    anonymous = admin.client.__class__(admin.client.app)
    redirected = anonymous.get(
        "/impact/dashboard.csv", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/login")


def test_the_page_speaks_the_readers_language_and_every_home_links_to_it(
    db: Session, browser: Open, run: scenario.Scenario
) -> None:
    admin = browser(make_user(db, role=Role.ADMIN))
    admin.client.cookies.set("collecte_lang", "en")
    html = admin.get("/impact/dashboard").text
    assert "Distinct devices delivered to a partner and not returned since." in html
    assert _card(html, "collected_kg") == "8.2 kg"
    for user in (
        make_user(db, role=Role.ADMIN),
        run.flow.coordinator,
        run.flow.workshop.technician,
        make_user(db, role=Role.DONOR, organization=run.flow.workshop.donor),
        run.flow.partner_user,
        make_user(db, role=Role.AUDITOR),
    ):
        home = browser(user).get("/")
        assert home.status_code == 200
        assert 'id="home-impact-link"' in home.text, user.role
        assert 'id="nav-impact"' in home.text
