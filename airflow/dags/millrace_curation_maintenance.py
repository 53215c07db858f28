"""Millrace: the weekly maintenance DAG of the curated tables (see airflow/README.md)."""

from millrace_airflow import pipeline, settings

dag = pipeline.maintenance_dag(settings.load())
