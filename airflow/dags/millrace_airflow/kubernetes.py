"""The curation job in a pod per task try (the ``kubernetes`` runner).

Imported only when ``MILLRACE_AIRFLOW_RUNNER=kubernetes``: the Kubernetes client is heavy.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk.exceptions import AirflowException
from kubernetes.client import models as k8s

from millrace_airflow import exit_codes
from millrace_airflow.settings import Kubernetes

CONTAINER = "base"  # KubernetesPodOperator's name for the main container


class CurationPodOperator(KubernetesPodOperator):
    """A KubernetesPodOperator that maps the job's exit code like the local runner: a failed
    data-quality gate (4), unmarked hours (3) or bad configuration (2) fail the task without a
    retry; anything else is retried."""

    def cleanup(self, pod: Any, remote_pod: Any, xcom_result: Any = None, context: Any = None):
        try:
            return super().cleanup(pod, remote_pod, xcom_result=xcom_result, context=context)
        except AirflowException as e:
            code = exit_code(remote_pod)
            if code is None:
                raise
            exit_codes.raise_for(code, f"pod {pod and pod.metadata.name}")
            raise e


def exit_code(remote_pod: Any) -> int | None:
    statuses = getattr(getattr(remote_pod, "status", None), "container_statuses", None) or []
    for s in statuses:
        if s.name == CONTAINER and s.state and s.state.terminated:
            return s.state.terminated.exit_code
    return None


def pod_operator(
    task_id: str, arguments: list[str], cfg: Kubernetes, labels: dict[str, str], **kwargs: Any
) -> CurationPodOperator:
    """One pod for one try: on-demand batch nodes, explicit resources, deleted when it ends
    (success or failure), labelled so a leftover can be found by dag, run and try."""
    return CurationPodOperator(
        task_id=task_id,
        name=f"millrace-{task_id}".replace("_", "-"),
        namespace=cfg.namespace,
        image=cfg.image,
        arguments=arguments,
        service_account_name=cfg.service_account,
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": cfg.cpu_request, "memory": cfg.memory_request},
            limits={"cpu": cfg.cpu_limit, "memory": cfg.memory_limit},
        ),
        node_selector=cfg.node_selector,
        tolerations=[k8s.V1Toleration(**t) for t in cfg.tolerations],
        env_vars=[k8s.V1EnvVar(name="JAVA_TOOL_OPTIONS", value=cfg.java_opts)],
        env_from=[
            k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name=cfg.config_map)),
            k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name=cfg.secret)),
        ],
        labels=labels,
        # KubernetesPodOperator adds dag_id, task_id, run_id and try_number labels itself.
        on_finish_action="delete_pod",
        startup_timeout_seconds=cfg.startup_timeout_seconds,
        get_logs=True,
        log_events_on_failure=True,
        do_xcom_push=False,
        **kwargs,
    )
