"""The committed bundle is whole (every UUID link resolves) and bin/import-dashboards' zip points
the databases at the Trino it is given. Needs no server."""

import io
import json
import sys
import zipfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "superset"))
import bundle  # noqa: E402


def test_every_link_resolves_and_every_chart_has_a_saved_query(assets):
    databases = {d["uuid"] for d in assets["databases"]}
    datasets = {d["uuid"] for d in assets["datasets"]}
    charts = {c["uuid"] for c in assets["charts"]}
    assert all(d["database_uuid"] in databases for d in assets["datasets"])
    assert all(c["dataset_uuid"] in datasets for c in assets["charts"])
    on_dashboards = set()
    for d in assets["dashboards"]:
        on_dashboards |= {v["meta"]["uuid"] for v in d["position"].values()
                          if isinstance(v, dict) and v.get("type") == "CHART"}
    assert on_dashboards == charts, "every chart is on a dashboard, every dashboard chart exists"
    for c in assets["charts"]:
        context = json.loads(c["query_context"])
        assert context["queries"], c["slice_name"]


def test_the_zip_points_every_database_at_the_given_trino_and_keeps_its_catalog(tmp_path):
    out = tmp_path / "b.zip"
    names = bundle.build(out, "trino://analyst@trino.example:8443")
    with zipfile.ZipFile(out) as z:
        assert {n.split("/", 1)[0] for n in z.namelist()} == {bundle.ROOT}
        assert "metadata.yaml" in names
        uris = {yaml.safe_load(io.BytesIO(z.read(n)))["database_name"]:
                yaml.safe_load(io.BytesIO(z.read(n)))["sqlalchemy_uri"]
                for n in z.namelist() if "/databases/" in n}
    assert uris == {"Millrace curated": "trino://analyst@trino.example:8443/curated",
                    "Millrace realtime": "trino://analyst@trino.example:8443/realtime"}
