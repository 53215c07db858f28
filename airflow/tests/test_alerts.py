"""The late-day alert posts to the configured webhook (a real HTTP server on loopback)."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from millrace_airflow.alerts import day_late


def test_a_late_day_is_posted_to_the_webhook_naming_the_run(monkeypatch):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("MILLRACE_AIRFLOW_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
        context = {
            "dag_run": {"dag_run_id": "scheduled__2026-11-30T00:00:00+00:00"},
            "deadline": {"id": "d1", "deadline_time": "2026-12-01T08:00:00+00:00"},
        }
        asyncio.run(day_late(dag_id="millrace_curation", context=context))
    finally:
        server.shutdown()
        server.server_close()
    assert received == [
        {
            "text": "millrace_curation: scheduled__2026-11-30T00:00:00+00:00 is late "
            "(not finished by its deadline 2026-12-01T08:00:00+00:00)"
        }
    ]
