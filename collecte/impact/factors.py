"""The impact factors: per device category, a pre-use footprint and a typical weight, each cited.

They are read from a versioned CSV shipped in the package (``factors/YYYY-MM.csv``, see its
README). Every figure Collecte gives names the version it used, and says that avoided emissions
are not a carbon offset.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Final

from collecte.core.vocabulary import N_

# Said beside every emissions figure, in every answer, page and report.
CAVEAT: Final = N_(
    "Avoided emissions, estimated from the devices redistributed: not a carbon offset."
)

_FOLDER = "factors"
_NUMBERS = frozenset({"preuse_kgco2e", "weight_kg"})


@dataclass(frozen=True)
class Factor:
    """One category's row of a factor file."""

    category: str
    preuse_kgco2e: float
    footprint_source: str
    footprint_variant: str
    footprint_ref: str
    footprint_date: str
    footprint_licence: str
    weight_kg: float
    weight_source: str
    weight_ref: str
    weight_date: str
    weight_licence: str


@dataclass(frozen=True)
class FactorSet:
    """A version of the factor file, with the displacement factor it is applied with."""

    version: str
    by_category: MappingProxyType[str, Factor]
    displacement: float

    def typical_weight(self, category: str) -> float:
        factor = self.by_category.get(category)
        return factor.weight_kg if factor else 0.0

    def avoided_kgco2e(self, category: str) -> float:
        """What one redistributed device of this category avoids, in kg CO2e."""
        factor = self.by_category.get(category)
        return factor.preuse_kgco2e * self.displacement if factor else 0.0


def versions() -> list[str]:
    """The factor versions shipped, oldest first."""
    folder = resources.files("collecte.impact").joinpath(_FOLDER)
    return sorted(
        entry.name.removesuffix(".csv") for entry in folder.iterdir() if entry.name.endswith(".csv")
    )


@functools.cache
def _read(version: str) -> MappingProxyType[str, Factor]:
    text = resources.files("collecte.impact").joinpath(_FOLDER, f"{version}.csv").read_text("utf-8")
    rows = {}
    for record in csv.DictReader(text.splitlines()):
        values = {
            name: float(record[name]) if name in _NUMBERS else record[name]
            for name in Factor.__dataclass_fields__
        }
        rows[record["category"]] = Factor(**values)  # type: ignore[arg-type]
    return MappingProxyType(rows)


def factor_set(version: str | None, displacement: float) -> FactorSet:
    """The factors of a version (the newest when None), applied with this displacement."""
    chosen = version or versions()[-1]
    if chosen not in versions():
        raise LookupError(f"no impact factor file {chosen!r}; shipped: {', '.join(versions())}")
    return FactorSet(version=chosen, by_category=_read(chosen), displacement=displacement)
