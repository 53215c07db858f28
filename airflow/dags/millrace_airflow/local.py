"""The curation job as a child process of the worker (the ``local`` runner)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator

from millrace_airflow import exit_codes


class CurationJobOperator(BaseOperator):
    """Runs ``command + arguments`` (the curation CLI), streams its output into the task log and
    turns its exit code into success, a retried failure or a final one (``exit_codes``).

    The child inherits the worker's environment: the job reads its settings from
    ``MILLRACE_CURATION_*`` variables there (secrets included, never from the command line).
    """

    template_fields: Sequence[str] = ("arguments",)
    ui_color = "#f0e4d7"

    def __init__(self, *, command: list[str], arguments: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.command = command
        self.arguments = arguments
        self._process: subprocess.Popen[str] | None = None

    def execute(self, context: Any) -> None:
        argv = [*self.command, *self.arguments]
        self.log.info("running the curation job: %s", " ".join(self.arguments))
        try:
            self._process = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                env=dict(os.environ),
                start_new_session=True,  # so on_kill can stop the JVM and anything it started
            )
            assert self._process.stdout is not None
            for line in self._process.stdout:
                self.log.info("%s", line.rstrip("\n"))
            code = self._process.wait()
        finally:
            self._stop()  # an execution timeout or a kill lands here with the JVM still running
        exit_codes.raise_for(code, f"millrace-curation {self.arguments[0]}")

    def on_kill(self) -> None:
        self._stop()

    def _stop(self) -> None:
        p = self._process
        if p is None or p.poll() is not None:
            return
        self.log.warning("stopping the curation job (pid %d)", p.pid)
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
