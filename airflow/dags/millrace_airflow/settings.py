"""Configuration of the DAGs, from the environment of the Airflow components.

Read when a DAG file is parsed (a dictionary lookup, no network), so the scheduler, the DAG
processor and the workers must have the same values. Every key is in airflow/README.md.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

PREFIX = "MILLRACE_AIRFLOW_"


class Runner(Enum):
    """Where the curation job runs."""

    #: the same job as a child process of the worker (``MILLRACE_AIRFLOW_LOCAL_COMMAND``)
    LOCAL = "local"
    #: one pod per task try, requested from Kubernetes and deleted when it ends
    KUBERNETES = "kubernetes"


@dataclass(frozen=True)
class Kubernetes:
    namespace: str
    image: str
    service_account: str
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    java_opts: str
    node_selector: dict[str, str]
    tolerations: list[dict[str, str]]
    config_map: str
    secret: str
    startup_timeout_seconds: int


@dataclass(frozen=True)
class Settings:
    runner: Runner
    owner: str
    start_date: str
    max_active_runs: int
    retries: int
    retry_delay: timedelta
    max_retry_delay: timedelta
    execution_timeout: timedelta
    deadline: timedelta | None
    alert_webhook: str
    aws_conn_id: str
    input_bucket: str
    input_prefix: str
    markers_timeout: timedelta
    markers_poke_interval: timedelta
    catalog_name: str
    namespace: str
    local_command: list[str]
    kubernetes: Kubernetes
    problems: list[str] = field(default_factory=list)


def _seconds(env: Mapping[str, str], key: str, default: int, problems: list[str]) -> timedelta:
    raw = env.get(PREFIX + key, str(default))
    try:
        value = int(raw)
        if value <= 0:
            raise ValueError
        return timedelta(seconds=value)
    except ValueError:
        problems.append(f"{PREFIX}{key} must be a positive number of seconds, not {raw!r}")
        return timedelta(seconds=default)


def _int(env: Mapping[str, str], key: str, default: int, problems: list[str]) -> int:
    raw = env.get(PREFIX + key, str(default))
    try:
        value = int(raw)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        problems.append(f"{PREFIX}{key} must be a whole number >= 0, not {raw!r}")
        return default


def _json(env: Mapping[str, str], key: str, default: object, problems: list[str]):
    raw = env.get(PREFIX + key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        problems.append(f"{PREFIX}{key} is not JSON: {e}")
        return default


def load(env: Mapping[str, str] | None = None) -> Settings:
    """The settings; ``problems`` lists every bad value at once (the DAG file raises on them, so
    the import error names the key)."""
    env = os.environ if env is None else env
    problems: list[str] = []
    raw_runner = env.get(PREFIX + "RUNNER", "local")
    try:
        runner = Runner(raw_runner)
    except ValueError:
        problems.append(f"{PREFIX}RUNNER must be local or kubernetes, not {raw_runner!r}")
        runner = Runner.LOCAL
    bucket = env.get("MILLRACE_CURATION_INPUT_BUCKET", "s3://events")
    if not bucket.startswith("s3://"):
        problems.append(f"MILLRACE_CURATION_INPUT_BUCKET must be s3://BUCKET, not {bucket!r}")
    k8s = Kubernetes(
        namespace=env.get(PREFIX + "K8S_NAMESPACE", "millrace-batch"),
        image=env.get(PREFIX + "K8S_IMAGE", "millrace/curation:0.1.0"),
        service_account=env.get(PREFIX + "K8S_SERVICE_ACCOUNT", "millrace-curation"),
        cpu_request=env.get(PREFIX + "K8S_CPU_REQUEST", "2"),
        cpu_limit=env.get(PREFIX + "K8S_CPU_LIMIT", "4"),
        memory_request=env.get(PREFIX + "K8S_MEMORY_REQUEST", "6Gi"),
        memory_limit=env.get(PREFIX + "K8S_MEMORY_LIMIT", "6Gi"),
        java_opts=env.get(PREFIX + "K8S_JAVA_OPTS", "-Xmx4g"),
        node_selector=_json(env, "K8S_NODE_SELECTOR", {"millrace.dev/pool": "batch-on-demand"}, problems),
        tolerations=_json(
            env,
            "K8S_TOLERATIONS",
            [{"key": "millrace.dev/batch", "operator": "Exists", "effect": "NoSchedule"}],
            problems,
        ),
        config_map=env.get(PREFIX + "K8S_CONFIG_MAP", "millrace-curation"),
        secret=env.get(PREFIX + "K8S_SECRET", "millrace-curation"),
        startup_timeout_seconds=_int(env, "K8S_STARTUP_TIMEOUT", 900, problems),
    )
    return Settings(
        runner=runner,
        owner=env.get(PREFIX + "OWNER", "data-eng"),
        start_date=env.get(PREFIX + "START_DATE", "2026-12-01"),
        max_active_runs=max(1, _int(env, "MAX_ACTIVE_RUNS", 3, problems)),
        retries=_int(env, "RETRIES", 3, problems),
        retry_delay=_seconds(env, "RETRY_DELAY", 300, problems),
        max_retry_delay=_seconds(env, "MAX_RETRY_DELAY", 3600, problems),
        execution_timeout=_seconds(env, "EXECUTION_TIMEOUT", 3 * 3600, problems),
        deadline=(
            None if env.get(PREFIX + "DEADLINE") == "0" else _seconds(env, "DEADLINE", 32 * 3600, problems)
        ),
        alert_webhook=env.get(PREFIX + "ALERT_WEBHOOK", ""),
        aws_conn_id=env.get(PREFIX + "AWS_CONN_ID", "millrace_s3"),
        input_bucket=bucket.removeprefix("s3://").rstrip("/"),
        input_prefix=env.get("MILLRACE_CURATION_INPUT_PREFIX", "events").strip("/"),
        markers_timeout=_seconds(env, "MARKERS_TIMEOUT", 6 * 3600, problems),
        markers_poke_interval=_seconds(env, "MARKERS_POKE_INTERVAL", 300, problems),
        catalog_name=env.get("MILLRACE_CURATION_CATALOG_NAME", "curated"),
        namespace=env.get("MILLRACE_CURATION_NAMESPACE", "millrace"),
        local_command=shlex.split(env.get(PREFIX + "LOCAL_COMMAND", "millrace-curation")),
        kubernetes=k8s,
        problems=problems,
    )
