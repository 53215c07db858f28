"""What the curation job's exit code means for the Airflow task.

Bad data and bad configuration are never retried: the same input gives the same failure, and a
retry only delays the alert. Transient faults are retried with the task's exponential backoff.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException

PUBLISHED = 0
#: exit code -> (meaning, retried)
FAILURES: dict[int, tuple[str, bool]] = {
    2: ("usage or configuration error", False),
    3: ("hours of the day have no _SUCCESS marker", False),
    4: ("a blocking data-quality check failed (the report is above); nothing was published", False),
    5: ("another run published this day first; the retry builds on it", True),
    1: ("the job failed", True),
}


def raise_for(exit_code: int, what: str) -> None:
    """Returns for a published run; raises AirflowFailException (no retry) for bad data or
    configuration, AirflowException (retried) for anything else."""
    if exit_code == PUBLISHED:
        return
    meaning, retried = FAILURES.get(exit_code, (f"the job ended with exit code {exit_code}", True))
    message = f"{what}: exit code {exit_code}: {meaning}"
    if retried:
        raise AirflowException(message)
    raise AirflowFailException(message + " (not retried)")
