"""The local runner on a real child process: output into the task log, exit codes into retried
or final failures."""

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from millrace_airflow.local import CurationJobOperator


def job(script: str) -> CurationJobOperator:
    return CurationJobOperator(
        task_id="curate", command=["sh", "-c", script, "millrace-curation"], arguments=["run"]
    )


def test_a_published_run_succeeds_and_its_output_is_in_the_log(capfd):
    job("echo 'ds 2026-11-30 published (run r1)'; exit 0").execute({})
    assert "ds 2026-11-30 published (run r1)" in capfd.readouterr().out


def test_a_failed_quality_gate_fails_without_retry_with_its_report_in_the_log(capfd):
    with pytest.raises(AirflowFailException, match="exit code 4: a blocking data-quality check failed"):
        job("echo 'FAIL conservation observed 1.0 threshold 0.0' >&2; exit 4").execute({})
    assert "FAIL conservation observed 1.0 threshold 0.0" in capfd.readouterr().out


@pytest.mark.parametrize("code", [2, 3])
def test_bad_configuration_or_unmarked_hours_are_not_retried(code):
    with pytest.raises(AirflowFailException):
        job(f"exit {code}").execute({})


@pytest.mark.parametrize("code", [1, 5, 137])
def test_other_failures_are_retried(code):
    with pytest.raises(AirflowException) as e:
        job(f"exit {code}").execute({})
    assert not isinstance(e.value, AirflowFailException)
