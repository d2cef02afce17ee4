"""The arrows of ARCHITECTURE.md: pricing_api → reaudit → validators → price_tables, and SQL only in storage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "price_tables": ("validators", "reaudit", "pricing_api", "fastapi", "sqlalchemy", "sqlmodel", "starlette"),
    "validators": ("reaudit", "pricing_api", "fastapi", "sqlalchemy", "sqlmodel", "starlette", "httpx", "duckdb"),
    # batch re-audit: no HTTP and no service storage; it reads files and the catalog it is given
    "reaudit": ("pricing_api", "fastapi", "sqlalchemy", "sqlmodel", "starlette", "httpx"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_package_never_imports_a_higher_one(package):
    offenders = {str(path.relative_to(ROOT)): sorted(_imports(path) & set(FORBIDDEN[package]))
                 for path in (ROOT / package).rglob("*.py")}
    assert {p: names for p, names in offenders.items() if names} == {}


def test_routes_neither_open_sessions_nor_run_sql():
    for path in (ROOT / "pricing_api" / "routes").glob("*.py"):
        assert not _imports(path) & {"sqlalchemy", "sqlmodel"}, path.name
