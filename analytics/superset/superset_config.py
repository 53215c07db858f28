"""Superset configuration for Millrace (SUPERSET_CONFIG_PATH points here).

Everything environment-specific comes from the environment; nothing secret is in this file:

SUPERSET_SECRET_KEY        required: signs sessions and encrypts stored database passwords
SUPERSET_DATABASE_URI      Superset's own metadata database (default: SQLite under SUPERSET_HOME)
SUPERSET_WEBSERVER_TIMEOUT seconds a chart query may take (default 120)
"""

import os
import time

_secret = os.environ.get("SUPERSET_SECRET_KEY", "")
if len(_secret) < 32:
    # Superset refuses its built-in default key in production; refuse a short one here too,
    # without ever printing what was given.
    raise RuntimeError("SUPERSET_SECRET_KEY must be set to a random value of at least 32 characters")
SECRET_KEY = _secret

_home = os.environ.get("SUPERSET_HOME", os.path.expanduser("~/.superset"))
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_DATABASE_URI", "sqlite:///" + os.path.join(_home, "superset.db")
)

# Times are UTC everywhere in Millrace (the curated tables store timestamptz in UTC); Superset
# takes "now" and relative time ranges from the process's zone.
os.environ["TZ"] = "UTC"
time.tzset()

# No example data: the dashboards ship as code (analytics/superset/assets), and nothing here or in
# analytics/bin runs `superset load-examples`.

SUPERSET_WEBSERVER_TIMEOUT = int(os.environ.get("SUPERSET_WEBSERVER_TIMEOUT", "120"))

# One machine, no Redis: a simple in-process cache, and no Celery (no async queries or reports).
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# Behind a TLS-terminating proxy set SUPERSET_ENABLE_PROXY_FIX=true.
ENABLE_PROXY_FIX = os.environ.get("SUPERSET_ENABLE_PROXY_FIX", "false").lower() == "true"
