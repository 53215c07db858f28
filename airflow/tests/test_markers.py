from millrace_airflow.markers import HourMarkersSensor


def test_the_missing_hours_are_those_without_a_success_marker():
    sensor = HourMarkersSensor(task_id="w", ds="2026-11-30", bucket="lake", prefix="events", aws_conn_id="s3")
    assert sensor.marker_folder() == "events/_markers/dt=2026-11-30/"
    keys = [f"events/_markers/dt=2026-11-30/hour={h:02d}/_SUCCESS" for h in range(24) if h != 12]
    keys.append("events/_markers/dt=2026-11-30/hour=12/_SUCCESS.tmp")
    assert sensor.missing_hours(keys) == [12]
    assert sensor.missing_hours([]) == list(range(24))
