"""The curated tables and their dependencies, read from ``curation_tables.json``.

That file is rendered from the curation job's own catalogue (``CuratedTable``, by
``dev.millrace.curation.catalog.TableDescription``) and committed next to the DAGs; a test of the
``airflow`` module fails when the two drift. The DAG's per-table tasks are generated from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DESCRIPTION = Path(__file__).resolve().parent.parent / "curation_tables.json"


@dataclass(frozen=True)
class Table:
    name: str
    depends_on: tuple[str, ...]
    write: str
    description: str


def load(path: Path = DESCRIPTION) -> list[Table]:
    """The tables in build order (a table only depends on tables before it)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    tables = [Table(t["name"], tuple(t["depends_on"]), t["write"], t["description"]) for t in raw["tables"]]
    seen: set[str] = set()
    for t in tables:
        unknown = [d for d in t.depends_on if d not in seen]
        if unknown:
            raise ValueError(f"{path}: table {t.name} depends on {unknown}, which are not declared before it")
        seen.add(t.name)
    return tables


def closure(tables: list[Table], selected: Iterable[str]) -> list[str]:
    """What a run with ``--tables selected`` builds, as the job computes it: the selected tables
    and everything they depend on, in build order; nothing selected means every table."""
    by_name = {t.name: t for t in tables}
    wanted: set[str] = set()
    todo = list(selected)
    if not todo:
        return [t.name for t in tables]
    while todo:
        name = todo.pop()
        if name not in by_name:
            raise ValueError(f"unknown table {name!r}; the tables are {', '.join(by_name)}")
        if name not in wanted:
            wanted.add(name)
            todo.extend(by_name[name].depends_on)
    return [t.name for t in tables if t.name in wanted]
