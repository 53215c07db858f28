"""A real Superset for the dashboards' tests, on the Trino the caller names.

Inputs (environment), set by the Java IT (DashboardsIT) or by hand against any stack:
  MILLRACE_TRINO_URI   trino://superset@HOST:PORT, the Trino with the curated and realtime catalogs
  MILLRACE_TEST_DATA   JSON file: what was loaded (the generated day, the realtime documents)
  MILLRACE_TEST_OUT    folder for Superset's home, its log and the screenshots
  MILLRACE_CHROMIUM    Debian's chromium (analytics/bin/chromium prints it)

Superset runs on SQLite in MILLRACE_TEST_OUT, started by analytics/bin/superset-serve, the start
sequence `./millrace up` runs too: `db upgrade`, an admin with a random password, `init`, the bundle
imported by analytics/bin/import-dashboards, then one gunicorn worker.
"""

import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml

ANALYTICS = Path(__file__).resolve().parent.parent
ASSETS = ANALYTICS / "superset" / "assets"


def _free_port() -> int:
    """A free port below the ephemeral range (as local-stack's FreePorts picks them), so no
    outgoing connection takes it between this pick and the server's bind."""
    try:
        ephemeral_start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_start = 32768
    highest = min(ephemeral_start, 32768) - 1
    for _ in range(500):
        port = random.randint(10000, highest)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


@pytest.fixture(scope="session")
def out() -> Path:
    path = Path(os.environ["MILLRACE_TEST_OUT"]).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def loaded() -> dict:
    return json.loads(Path(os.environ["MILLRACE_TEST_DATA"]).read_text())


@pytest.fixture(scope="session")
def assets() -> dict:
    """The committed bundle: every dashboard and chart the import must create."""
    return {kind: [yaml.safe_load(p.read_text()) for p in sorted((ASSETS / kind).rglob("*.yaml"))]
            for kind in ("databases", "datasets", "charts", "dashboards")}


class Superset:
    def __init__(self, url: str, password: str):
        self.url = url
        self.password = password
        self.http = requests.Session()
        r = self.http.post(f"{url}/api/v1/security/login", timeout=30, json={
            "username": "admin", "password": password, "provider": "db", "refresh": False})
        r.raise_for_status()
        self.http.headers["Authorization"] = "Bearer " + r.json()["access_token"]

    def get(self, path: str, **params) -> dict:
        r = self.http.get(f"{self.url}{path}", params=params, timeout=180)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:2000]}"
        return r.json()

    def all(self, resource: str) -> list[dict]:
        return self.get(f"/api/v1/{resource}/", q="(page_size:100)")["result"]


@pytest.fixture(scope="session")
def superset(out: Path) -> Superset:
    home = out / "superset-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    password = secrets.token_urlsafe(18)
    port = _free_port()
    # Secrets generated per run, passed in the environment only, never logged.
    env = dict(os.environ, SUPERSET_SECRET_KEY=secrets.token_urlsafe(48), SUPERSET_ADMIN_PASSWORD=password,
               SUPERSET_HOME=str(home), SUPERSET_BIND=f"127.0.0.1:{port}", SUPERSET_WORKERS="1")
    log = open(out / "superset.log", "w")
    server = subprocess.Popen([str(ANALYTICS / "bin" / "superset-serve")], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        # Set-up (db upgrade, init, import) then the worker's start.
        deadline = time.monotonic() + 1200
        while True:
            try:
                # The worker's first answer can take a while on a loaded machine.
                if requests.get(f"{url}/health", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Superset did not start; see {out / 'superset.log'}")
            time.sleep(1)
        yield Superset(url, password)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
