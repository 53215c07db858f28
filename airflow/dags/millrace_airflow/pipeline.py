"""Builds the curation DAGs from the table description and the settings."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import (
    DAG,
    Asset,
    AsyncCallback,
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DeadlineAlert,
    DeadlineReference,
    Param,
    task,
)
from airflow.sdk.exceptions import AirflowSkipException

from millrace_airflow import tables as table_description
from millrace_airflow.markers import HourMarkersSensor
from millrace_airflow.settings import Runner, Settings

CURATION_DAG = "millrace_curation"
MAINTENANCE_DAG = "millrace_curation_maintenance"
#: the day a run builds: its logical date. On the schedule that is the start of the day's data
#: interval (the run starts when the day is over); `airflow dags test DAG D`, `dags trigger -l D`
#: and backfills set it to D as well.
DS = "{{ ds }}"


def asset(s: Settings, table: str) -> Asset:
    """The Airflow asset of a curated table: an event per published day lets downstream DAGs
    (exports, dashboards) run on data rather than on a clock."""
    return Asset(
        name=f"{s.catalog_name}.{s.namespace}.{table}",
        uri=f"iceberg://{s.catalog_name}/{s.namespace}/{table}",
        group="millrace-curated",
    )


def default_args(s: Settings) -> dict[str, Any]:
    return {
        "owner": s.owner,
        "retries": s.retries,
        "retry_delay": s.retry_delay,
        "retry_exponential_backoff": 2.0,  # 5 min, 10 min, 20 min ... (jittered) up to the max
        "max_retry_delay": s.max_retry_delay,
        "execution_timeout": s.execution_timeout,
    }


def job_task(s: Settings, task_id: str, arguments: list[str], dag_id: str, **kwargs: Any):
    """The curation CLI with these arguments, where the settings say it runs."""
    if s.runner is Runner.KUBERNETES:
        from millrace_airflow.kubernetes import pod_operator

        labels = {"app.kubernetes.io/name": "millrace-curation", "app.kubernetes.io/part-of": "millrace"}
        return pod_operator(task_id, arguments, s.kubernetes, labels, **kwargs)
    from millrace_airflow.local import CurationJobOperator

    return CurationJobOperator(task_id=task_id, command=s.local_command, arguments=arguments, **kwargs)


def curation_dag(s: Settings) -> DAG:
    """``millrace_curation``: for each day, wait for its 24 hour markers, run the curation job
    (write-audit-publish: all tables or none), then record one asset event per table built."""
    if s.problems:
        raise ValueError("millrace DAG settings: " + "; ".join(s.problems))
    described = table_description.load()
    names = [t.name for t in described]
    with DAG(
        dag_id=CURATION_DAG,
        description="The batch loader's hourly Parquet into the curated Iceberg tables, one day per run",
        schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
        start_date=pendulum.parse(s.start_date, tz="UTC"),
        catchup=True,
        max_active_runs=s.max_active_runs,
        default_args=default_args(s),
        tags=["millrace", "curation"],
        params={
            "tables": Param(
                [],
                type="array",
                items={"type": "string", "enum": names},
                description="Build only these tables and what they depend on (empty: all)",
            ),
        },
        deadline=_deadline(s),
        doc_md=__doc__,
    ) as dag:
        wait = HourMarkersSensor(
            task_id="wait_for_hour_markers",
            ds=DS,
            bucket=s.input_bucket,
            prefix=s.input_prefix,
            aws_conn_id=s.aws_conn_id,
            mode="reschedule",
            poke_interval=s.markers_poke_interval.total_seconds(),
            timeout=s.markers_timeout.total_seconds(),
            exponential_backoff=False,
        )
        curate = job_task(
            s,
            "curate",
            ["run", "--ds", DS, "--tables", "{{ params.tables | join(',') or '" + ",".join(names) + "' }}"],
            CURATION_DAG,
            # A day builds on the days before it (duplicates and sessions look back): days are
            # published in order even when catchup or a backfill runs several at once, and a
            # day that failed holds the later ones until it is fixed, as the job's backfill does.
            depends_on_past=True,
        )
        wait >> curate

        publish: dict[str, Any] = {}
        for t in described:
            publish[t.name] = _publish_task(s, t.name, described)
            curate >> publish[t.name]
            for d in t.depends_on:
                publish[d] >> publish[t.name]
    return dag


def _deadline(s: Settings) -> DeadlineAlert | None:
    """Alert when a day is not done by logical date + the deadline (off with DEADLINE=0)."""
    if s.deadline is None:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=s.deadline,
        callback=AsyncCallback("millrace_airflow.alerts.day_late", kwargs={"dag_id": CURATION_DAG}),
    )


def _publish_task(s: Settings, table: str, described: list[table_description.Table]):
    a = asset(s, table)

    @task(task_id=f"publish_{table}", outlets=[a], retries=s.retries)
    def publish(**context: Any) -> None:
        built = table_description.closure(described, context["params"].get("tables") or [])
        if table not in built:
            raise AirflowSkipException(f"{table} was not built by this run (tables {built})")
        context["outlet_events"][a].extra = {"ds": context["ds"], "run_id": context["run_id"]}

    return publish()


def maintenance_dag(s: Settings) -> DAG:
    """``millrace_curation_maintenance``: weekly compaction and snapshot expiry of the curated
    tables (``millrace-curation maintain``)."""
    if s.problems:
        raise ValueError("millrace DAG settings: " + "; ".join(s.problems))
    with DAG(
        dag_id=MAINTENANCE_DAG,
        description="Compacts the curated Iceberg tables and expires old snapshots, weekly",
        schedule=CronTriggerTimetable("0 3 * * 0", timezone="UTC"),
        start_date=pendulum.parse(s.start_date, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(s),
        tags=["millrace", "curation", "maintenance"],
        doc_md=__doc__,
    ) as dag:
        job_task(s, "maintain", ["maintain", "--older-than", "7d", "--retain-last", "10"], MAINTENANCE_DAG)
    return dag
