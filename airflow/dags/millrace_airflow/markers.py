"""Waits for the batch loader's hour markers of a day."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout

_HOUR = re.compile(r"/hour=(\d{2})/_SUCCESS$")


class HourMarkersSensor(BaseSensorOperator):
    """Succeeds when all 24 hours of ``ds`` have a ``<prefix>/_markers/dt=<ds>/hour=<HH>/_SUCCESS``
    on S3; fails at its timeout naming the hours still missing.

    One LIST of the day's marker folder per poke, not 24 HEADs. Meant for ``mode="reschedule"``:
    between pokes the worker slot is free.
    """

    template_fields: Sequence[str] = ("ds",)
    ui_color = "#d6ecf3"

    def __init__(self, *, ds: str, bucket: str, prefix: str, aws_conn_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ds = ds
        self.bucket = bucket
        self.prefix = prefix
        self.aws_conn_id = aws_conn_id
        self._missing: list[int] = list(range(24))

    def marker_folder(self) -> str:
        return f"{self.prefix}/_markers/dt={self.ds}/" if self.prefix else f"_markers/dt={self.ds}/"

    def missing_hours(self, keys: list[str]) -> list[int]:
        marked = {int(m.group(1)) for k in keys if (m := _HOUR.search(k))}
        return [h for h in range(24) if h not in marked]

    def poke(self, context: Any) -> bool:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook  # boto3: not at parse time

        folder = self.marker_folder()
        keys = S3Hook(aws_conn_id=self.aws_conn_id).list_keys(self.bucket, prefix=folder) or []
        self._missing = self.missing_hours(keys)
        self.log.info(
            "ds %s: %d of 24 hours marked under s3://%s/%s; missing hours %s",
            self.ds,
            24 - len(self._missing),
            self.bucket,
            folder,
            self._missing,
        )
        return not self._missing

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        except AirflowSensorTimeout as e:
            raise AirflowSensorTimeout(
                f"ds {self.ds}: no _SUCCESS marker for hours {self._missing} of "
                f"s3://{self.bucket}/{self.marker_folder()} after {self.timeout:.0f} s "
                f"(is the batch loader behind or down?)"
            ) from e
