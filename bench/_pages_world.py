"""The network of ``bench.pages``, made through the services (it is small): workshops with their
sites and départements, donors, partners, and one account per role with a known password."""

from __future__ import annotations

import random
from dataclasses import dataclass

from collecte import models as _all_models  # noqa: F401 (every table known before the first flush)
from collecte.auth.models import Role
from collecte.auth.service import create_user
from collecte.core.db import make_engine, make_sessionmaker, session_scope
from collecte.orgs.models import OrgKind
from collecte.orgs.service import create_organization, create_site

PASSWORD = "bench-pages-password"  # noqa: S105 (a throw-away database's accounts)
DONORS = 200
PARTNERS_PER_WORKSHOP = 5
# (département, postcode, city, latitude, longitude) of each workshop's two sites; the first
# workshop is the staff's, and takes the largest share of the devices (WORKSHOP_WEIGHTS).
WORKSHOP_PLACES = [
    [("93", "93100", "Montreuil", 48.86, 2.44), ("75", "75011", "Paris", 48.86, 2.38)],
    [("69", "69003", "Lyon", 45.76, 4.86), ("38", "38000", "Grenoble", 45.19, 5.72)],
    [("13", "13003", "Marseille", 43.31, 5.38), ("34", "34000", "Montpellier", 43.61, 3.88)],
    [("59", "59000", "Lille", 50.63, 3.06), ("76", "76000", "Rouen", 49.44, 1.10)],
    [("33", "33000", "Bordeaux", 44.84, -0.58), ("31", "31000", "Toulouse", 43.60, 1.44)],
]
WORKSHOP_WEIGHTS = [3.0, 2.0, 2.0, 2.0, 1.0]
ROLES = (
    Role.ADMIN,
    Role.COORDINATOR,
    Role.TECHNICIAN,
    Role.DONOR,
    Role.PARTNER,
    Role.AUDITOR,
)


@dataclass(frozen=True)
class Site:
    id: int
    workshop_id: int
    territory: str
    postcode: str
    city: str


@dataclass(frozen=True)
class World:
    workshop_ids: list[int]
    sites: list[Site]  # two per workshop, in workshop order
    donor_ids: list[int]  # the first gives the most (the donor account's organisation)
    donor_weights: list[float]
    donor_workshop: list[int]  # per donor: the index of the workshop that collects it
    donor_places: list[tuple[str, str, str]]  # per donor: (territory, postcode, city)
    partner_ids: list[list[int]]  # per workshop index
    partner_territory: dict[int, str]
    emails: dict[Role, str]
    user_ids: dict[Role, int]

    @property
    def staff_workshop_id(self) -> int:
        return self.workshop_ids[0]

    @property
    def big_donor_id(self) -> int:
        return self.donor_ids[0]


def build_world(url: str, rng: random.Random) -> World:
    """Organisations, sites and accounts through the product's services, in one transaction."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            workshop_ids: list[int] = []
            sites: list[Site] = []
            for number, places in enumerate(WORKSHOP_PLACES, start=1):
                workshop = create_organization(
                    session,
                    name=f"Atelier {number} {places[0][2]}",
                    kind=OrgKind.WORKSHOP,
                    postcode=places[0][1],
                    city=places[0][2],
                    territories_served=[place[0] for place in places],
                )
                session.flush()  # its id, for its sites
                workshop_ids.append(workshop.id)
                for territory, postcode, city, latitude, longitude in places:
                    # Coordinates given: the geocoder is never asked (nothing leaves the machine).
                    site = create_site(
                        session,
                        organization_id=workshop.id,
                        name=f"{city} entrepôt",
                        postcode=postcode,
                        city=city,
                        latitude=latitude,
                        longitude=longitude,
                    )
                    session.flush()
                    sites.append(Site(site.id, workshop.id, territory, postcode, city))
            donor_ids, donor_workshop, donor_places = [], [], []
            for number in range(DONORS):
                workshop_index = rng.choices(range(len(workshop_ids)), WORKSHOP_WEIGHTS)[0]
                territory, postcode, city, _, _ = WORKSHOP_PLACES[workshop_index][number % 2]
                donor = create_organization(
                    session,
                    name=f"Donateur {number + 1:03d} {city}",
                    kind=OrgKind.DONOR,
                    postcode=postcode,
                    city=city,
                )
                session.flush()
                donor_ids.append(donor.id)
                donor_workshop.append(workshop_index)
                donor_places.append((territory, postcode, city))
            donor_workshop[0] = 0  # the big donor gives to the staff's workshop
            donor_places[0] = WORKSHOP_PLACES[0][0][:3]
            partner_ids: list[list[int]] = []
            partner_territory: dict[int, str] = {}
            for workshop_index, places in enumerate(WORKSHOP_PLACES):
                own = []
                for number in range(PARTNERS_PER_WORKSHOP):
                    territory, postcode, city, _, _ = places[number % 2]
                    partner = create_organization(
                        session,
                        name=f"Partenaire {workshop_index + 1}-{number + 1} {city}",
                        kind=OrgKind.PARTNER,
                        postcode=postcode,
                        city=city,
                    )
                    session.flush()
                    own.append(partner.id)
                    partner_territory[partner.id] = territory
                partner_ids.append(own)
            organisation_of = {
                Role.ADMIN: None,
                Role.COORDINATOR: workshop_ids[0],
                Role.TECHNICIAN: workshop_ids[0],
                Role.DONOR: donor_ids[0],
                Role.PARTNER: partner_ids[0][0],
                Role.AUDITOR: None,
            }
            emails, user_ids = {}, {}
            for role in ROLES:
                user = create_user(
                    session,
                    email=f"{role.value}@bench.example.org",
                    password=PASSWORD,
                    role=role,
                    organization_id=organisation_of[role],
                    full_name=f"Bench {role.value}",
                )
                session.flush()
                emails[role], user_ids[role] = user.email, user.id
            return World(
                workshop_ids=workshop_ids,
                sites=sites,
                donor_ids=donor_ids,
                # A few big donors and a long tail: the first gives about an eighth of everything.
                donor_weights=[1 / (n + 1) ** 0.9 for n in range(DONORS)],
                donor_workshop=donor_workshop,
                donor_places=donor_places,
                partner_ids=partner_ids,
                partner_territory=partner_territory,
                emails=emails,
                user_ids=user_ids,
            )
    finally:
        engine.dispose()
