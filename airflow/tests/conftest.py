"""Points Airflow at a throwaway home and at this module's DAG folder before anything imports it."""

import os
import sys
import tempfile
from pathlib import Path

DAGS = Path(__file__).resolve().parent.parent / "dags"

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="millrace-airflow-test-"))
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "false"
for key in [k for k in os.environ if k.startswith("MILLRACE_AIRFLOW_")]:
    del os.environ[key]  # the tests check the documented defaults
if str(DAGS) not in sys.path:
    sys.path.insert(0, str(DAGS))
