"""The deadline callback: a day that is not published in time."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import urllib.request
from typing import Any

log = logging.getLogger(__name__)


async def day_late(dag_id: str, **kwargs: Any) -> None:
    """Runs in the triggerer when a run of ``dag_id`` misses its deadline. Logs an error, and
    posts ``{"text": ...}`` to ``MILLRACE_AIRFLOW_ALERT_WEBHOOK`` when that is set (Slack and
    most chat tools take that shape)."""
    # The triggerer passes a small context: the run as the REST API's JSON, and the deadline.
    context = kwargs.get("context") or {}
    dag_run = context.get("dag_run") or {}
    run = dag_run.get("dag_run_id") or "a run"
    deadline = (context.get("deadline") or {}).get("deadline_time")
    text = f"{dag_id}: {run} is late (not finished by its deadline {deadline})"
    log.error("%s", text)
    url = os.environ.get("MILLRACE_AIRFLOW_ALERT_WEBHOOK", "")
    if url:
        body = json.dumps({"text": text}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
