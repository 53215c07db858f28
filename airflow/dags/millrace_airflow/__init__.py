"""Millrace's Airflow code: the pieces the DAG files in the folder above are generated from.

Nothing here does work at import time: no network, no Kubernetes client, no JVM. Airflow parses
the DAG files every few seconds.
"""
