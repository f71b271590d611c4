"""Data folders that ship with the code: the migrations and the label stocks.

A checkout keeps them at the top level (``alembic/``, ``labels/``, as STYLE's layout has it); the
wheel maps them into the package as ``collecte/_migrations`` and ``collecte/_label_stocks``
(``[tool.setuptools.package-dir]`` in pyproject.toml). They are found by path, not imported:
they have no ``__init__.py``, and setuptools' editable-install hook cannot import a folder
mapped that way.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CHECKOUT_DIR = PACKAGE_DIR.parent


def bundled_folder(packaged: str, top_level: str) -> Path:
    """The installed ``collecte/<packaged>``, or in a checkout the top-level ``<top_level>/``."""
    installed = PACKAGE_DIR / packaged
    if installed.is_dir():
        return installed
    # Only a checkout has pyproject.toml beside the package: an installation missing the folder
    # must not pick up a neighbour of the same name in site-packages (alembic is one).
    if (CHECKOUT_DIR / "pyproject.toml").is_file():
        return CHECKOUT_DIR / top_level
    raise FileNotFoundError(f"{installed} is missing: this installation of collecte is incomplete")
