"""The table description as the DAG reads it, and --tables as the job resolves it."""

import pytest

from millrace_airflow import tables


def test_the_description_is_in_build_order():
    names = [t.name for t in tables.load()]
    assert names[0] == "events"
    seen = set()
    for t in tables.load():
        assert set(t.depends_on) <= seen, t.name
        seen.add(t.name)


def test_selecting_a_table_builds_what_it_depends_on_like_the_job():
    described = tables.load()
    assert tables.closure(described, ["users"]) == ["events", "sessions", "users"]
    assert tables.closure(described, ["events"]) == ["events"]
    assert tables.closure(described, []) == [t.name for t in described]


def test_an_unknown_table_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown table 'evnets'; the tables are events, sessions"):
        tables.closure(tables.load(), ["evnets"])


def test_a_dependency_declared_after_its_table_is_refused(tmp_path):
    bad = tmp_path / "t.json"
    bad.write_text(
        '{"tables": [{"name": "a", "depends_on": ["b"], "write": "X", "description": ""},'
        ' {"name": "b", "depends_on": [], "write": "X", "description": ""}]}'
    )
    with pytest.raises(ValueError, match=r"table a depends on \['b'\]"):
        tables.load(bad)
