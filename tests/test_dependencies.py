"""pyproject.toml declares what the code uses, and only that: every third-party package the
apps import (or name in settings: INSTALLED_APPS, MIDDLEWARE, storages) is a [project]
dependency, every one the tests and benches import is one or in the ``dev`` extra, and a
[project] dependency the apps never use is there for a stated reason.

Imports are read with ``ast`` (nothing is imported), and import names are mapped to the
distributions that provide them by ``importlib.metadata.packages_distributions()``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = ("gisapp", "boundaries", "layers", "api", "maps")
DEV_CODE = ("tests", "bench")
FIRST_PARTY = {*APPS, "tests", "bench"}
# [project] dependencies that no module imports, and why they are there all the same.
USED_OTHERWISE = {
    "gunicorn": "the production server that ./damrong serve starts",
    "geopandas": "the design card's library for GIS data work and exports (the GIS API issue)",
    "pyogrio": "GDAL file formats for the exports (GeoPackage, Shapefile, KML)",
}


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): Django == django, a_b == a-b."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0])


def declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    main = {requirement_name(r) for r in project["dependencies"]}
    dev = {requirement_name(r) for r in project["optional-dependencies"]["dev"]}
    return main, dev


def python_files(top: str) -> list[Path]:
    path = ROOT / top
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def imported_names(path: Path) -> set[str]:
    """Top-level names of the absolute imports in ``path`` (relative ones are the project's)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def third_party(name: str, path: Path) -> bool:
    # A bench script imports its sibling modules by name (bench/benchdb.py).
    sibling = (path.parent / f"{name}.py").exists() or (path.parent / name).is_dir()
    return not (
        name in sys.stdlib_module_names or name == "__future__" or name in FIRST_PARTY or sibling
    )


def settings_names() -> set[str]:
    """Modules the apps use by dotted path in settings rather than by import."""
    dotted = [*settings.INSTALLED_APPS, *settings.MIDDLEWARE]
    dotted += [s["BACKEND"] for s in getattr(settings, "STORAGES", {}).values()]
    dotted += [db["ENGINE"] for db in settings.DATABASES.values()]
    return {d.split(".")[0] for d in dotted}


@cache
def import_names_to_distributions() -> dict[str, list[str]]:
    return packages_distributions()  # reads every installed distribution's metadata: once


def distributions(name: str) -> set[str]:
    return {canonical(d) for d in import_names_to_distributions().get(name, [])}


def undeclared(tops: tuple[str, ...], allowed: set[str]) -> list[str]:
    problems = []
    for top in tops:
        for path in python_files(top):
            for name in sorted(imported_names(path)):
                if not third_party(name, path):
                    continue
                dists = distributions(name)
                if not dists & allowed:
                    problems.append(
                        f"{path.relative_to(ROOT)} imports {name} "
                        f"({', '.join(sorted(dists)) or 'not installed'})"
                    )
    return problems


def test_every_package_the_apps_import_is_a_project_dependency():
    main, _ = declared()
    problems = undeclared((*APPS, "manage.py"), main)
    for name in sorted(settings_names() - FIRST_PARTY - set(sys.stdlib_module_names)):
        if not distributions(name) & main:
            problems.append(f"settings name {name} ({', '.join(distributions(name)) or '?'})")
    assert problems == [], "add to [project] dependencies in pyproject.toml:\n" + "\n".join(
        problems
    )


def test_every_package_the_tests_and_benches_import_is_declared():
    main, dev = declared()
    problems = undeclared(DEV_CODE, main | dev)
    assert problems == [], "add to the dev extra in pyproject.toml:\n" + "\n".join(problems)


def test_every_project_dependency_is_used_by_the_apps():
    """Test-only libraries belong in the dev extra, not in what production installs."""
    main, _ = declared()
    used = set()
    for top in (*APPS, "manage.py"):
        for path in python_files(top):
            for name in imported_names(path):
                used |= distributions(name)
    for name in settings_names():
        used |= distributions(name)
    unused = main - used - {canonical(n) for n in USED_OTHERWISE}
    assert unused == set(), f"no app imports {sorted(unused)}: move to dev or say why it stays"


def test_the_checks_see_a_missing_declaration(tmp_path):
    """The helpers really map import names to distributions (so the checks above can fail)."""
    module = tmp_path / "module.py"
    module.write_text("import numpy as np\nfrom shapely import Point\nimport json\n")
    assert {n for n in imported_names(module) if third_party(n, module)} == {"numpy", "shapely"}
    assert distributions("numpy") == {"numpy"}
    assert distributions("rest_framework_gis") == {"djangorestframework-gis"}
    assert requirement_name("psycopg[binary]>=3.2,<4") == "psycopg"
    assert requirement_name("Django>=5.2,<5.3") == "django"
