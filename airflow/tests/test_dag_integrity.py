"""The DAG files as Airflow loads them: no import errors or warnings, no cycles, owners and
retries everywhere, and the task list generated from the curation job's table description."""

import json

import pytest
from airflow.dag_processing.dagbag import BundleDagBag

from conftest import DAGS

TABLES = json.loads((DAGS / "curation_tables.json").read_text())["tables"]


@pytest.fixture(scope="module")
def dagbag():
    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)


def test_every_dag_imports_without_errors_or_warnings(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.captured_warnings == {}
    assert set(dagbag.dag_ids) == {"millrace_curation", "millrace_curation_maintenance"}


def test_the_kubernetes_runner_imports_without_errors_or_warnings_too(monkeypatch):
    monkeypatch.setenv("MILLRACE_AIRFLOW_RUNNER", "kubernetes")
    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)
    assert bag.import_errors == {}
    assert bag.captured_warnings == {}
    assert type(bag.dags["millrace_curation"].get_task("curate")).__name__ == "CurationPodOperator"


def test_no_dag_has_a_cycle(dagbag):
    for dag in dagbag.dags.values():
        state: dict[str, str] = {}

        def visit(task_id, path, dag=dag, state=state):
            assert state.get(task_id) != "open", f"{dag.dag_id}: cycle {path + [task_id]}"
            if state.get(task_id) == "done":
                return
            state[task_id] = "open"
            for up in dag.get_task(task_id).upstream_task_ids:
                visit(up, path + [task_id])
            state[task_id] = "done"

        for t in dag.task_ids:
            visit(t, [])


def test_every_task_has_an_owner_retries_with_backoff_and_a_timeout(dagbag):
    for dag in dagbag.dags.values():
        for t in dag.tasks:
            where = f"{dag.dag_id}.{t.task_id}"
            assert t.owner and t.owner != "airflow", where
            assert t.retries >= 1, where
            assert t.retry_exponential_backoff > 1, where
            assert t.execution_timeout is not None, where


def test_the_curation_tasks_are_the_table_description(dagbag):
    dag = dagbag.dags["millrace_curation"]
    names = [t["name"] for t in TABLES]
    assert sorted(dag.task_ids) == sorted(
        ["wait_for_hour_markers", "curate"] + [f"publish_{n}" for n in names]
    )
    for t in TABLES:
        publish = dag.get_task(f"publish_{t['name']}")
        assert publish.upstream_task_ids == {"curate"} | {f"publish_{d}" for d in t["depends_on"]}
        assert [o.name for o in publish.outlets] == [f"curated.millrace.{t['name']}"]
    assert dag.get_task("curate").upstream_task_ids == {"wait_for_hour_markers"}
    assert ",".join(names) in dag.get_task("curate").arguments[-1], "all tables by default"
    assert dag.params["tables"] == []


def test_the_curation_dag_runs_each_day_once_in_order_and_is_bounded(dagbag):
    dag = dagbag.dags["millrace_curation"]
    assert dag.catchup is True
    assert 1 <= dag.max_active_runs <= 3
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable", "ds = the day the run builds"
    assert dag.deadline, "an alert when a day is late"
    assert dag.get_task("curate").depends_on_past, "days are published in order"
    sensor = dag.get_task("wait_for_hour_markers")
    assert sensor.mode == "reschedule", "the worker slot is free between pokes"
    assert 0 < sensor.timeout <= 24 * 3600


def test_maintenance_is_weekly_and_one_at_a_time(dagbag):
    dag = dagbag.dags["millrace_curation_maintenance"]
    assert dag.timetable.expression == "0 3 * * 0"
    assert dag.max_active_runs == 1
    assert dag.get_task("maintain").arguments[0] == "maintain"


def test_a_bad_setting_is_an_import_error_naming_the_key(monkeypatch):
    monkeypatch.setenv("MILLRACE_AIRFLOW_RUNNER", "docker")
    monkeypatch.setenv("MILLRACE_AIRFLOW_RETRIES", "-1")
    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)
    errors = "\n".join(bag.import_errors.values())
    assert "MILLRACE_AIRFLOW_RUNNER must be local or kubernetes, not 'docker'" in errors
    assert "MILLRACE_AIRFLOW_RETRIES must be a whole number >= 0, not '-1'" in errors
