"""Millrace: the daily curation DAG (see airflow/README.md)."""

from millrace_airflow import pipeline, settings

dag = pipeline.curation_dag(settings.load())
