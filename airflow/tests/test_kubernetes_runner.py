"""The kubernetes runner renders the documented pod: resources, on-demand nodes, labels that find
a leftover by dag, run and try, and deletion when it ends. No cluster is needed to render it."""

from types import SimpleNamespace

import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from millrace_airflow import pipeline, settings
from millrace_airflow.kubernetes import CurationPodOperator

ENV = {
    "MILLRACE_AIRFLOW_RUNNER": "kubernetes",
    "MILLRACE_AIRFLOW_K8S_IMAGE": "registry.example/millrace/curation:1.2.3",
}


@pytest.fixture(scope="module")
def curate():
    dag = pipeline.curation_dag(settings.load(ENV))
    return dag.get_task("curate")


def context(task):
    ti = SimpleNamespace(dag_id="millrace_curation", task_id=task.task_id, try_number=2, map_index=-1)
    return {"ti": ti, "run_id": "scheduled__2026-11-30T00:00:00+00:00", "dag": task.dag}


def test_the_job_runs_in_a_pod_per_try_with_the_documented_resources(curate):
    assert isinstance(curate, CurationPodOperator)
    pod = curate.build_pod_request_obj(context(curate), dry_run=True)
    c = pod.spec.containers[0]
    assert c.image == "registry.example/millrace/curation:1.2.3"
    assert c.args[:2] == ["run", "--ds"]
    assert c.resources.requests == {"cpu": "2", "memory": "6Gi"}
    assert c.resources.limits == {"cpu": "4", "memory": "6Gi"}
    assert [e.name for e in c.env] == ["JAVA_TOOL_OPTIONS"]
    assert [e.value for e in c.env] == ["-Xmx4g"], "heap below the memory limit"
    assert [
        (f.config_map_ref and f.config_map_ref.name, f.secret_ref and f.secret_ref.name) for f in c.env_from
    ] == [("millrace-curation", None), (None, "millrace-curation")]
    assert pod.metadata.namespace == "millrace-batch"
    assert pod.spec.node_selector == {"millrace.dev/pool": "batch-on-demand"}
    assert [(t.key, t.operator, t.effect) for t in pod.spec.tolerations] == [
        ("millrace.dev/batch", "Exists", "NoSchedule")
    ]
    assert pod.spec.restart_policy == "Never", "a retry is Airflow's, in a new pod"


def test_a_pod_is_labelled_so_a_leftover_is_found_by_dag_run_and_try(curate):
    labels = curate.build_pod_request_obj(context(curate), dry_run=True).metadata.labels
    assert labels["dag_id"] == "millrace_curation"
    assert labels["task_id"] == "curate"
    assert labels["try_number"] == "2"
    assert labels["run_id"].startswith("scheduled__2026-11-30")
    assert labels["app.kubernetes.io/name"] == "millrace-curation"


def test_the_pod_is_deleted_when_it_ends(curate):
    assert curate.on_finish_action.value == "delete_pod"


def pod_that_exited(code):
    terminated = SimpleNamespace(exit_code=code)
    status = SimpleNamespace(name="base", state=SimpleNamespace(terminated=terminated))
    return SimpleNamespace(status=SimpleNamespace(container_statuses=[status]))


@pytest.mark.parametrize("code,final", [(4, True), (3, True), (2, True), (1, False), (5, False)])
def test_a_failed_pod_is_retried_unless_its_data_or_configuration_is_bad(curate, monkeypatch, code, final):
    def failed(self, pod, remote_pod, xcom_result=None, context=None):
        raise AirflowException("Pod millrace-curate returned a failure.")

    monkeypatch.setattr(KubernetesPodOperator, "cleanup", failed)
    pod = SimpleNamespace(metadata=SimpleNamespace(name="millrace-curate"))
    with pytest.raises(AirflowException) as e:
        curate.cleanup(pod, pod_that_exited(code))
    assert isinstance(e.value, AirflowFailException) is final
