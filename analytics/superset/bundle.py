"""Zips analytics/superset/assets into the bundle `superset import-dashboards -p` takes.

The YAML in assets/ is what Superset exports, committed as text. The one thing that differs per
environment is where Trino is: each database's sqlalchemy_uri is rewritten to MILLRACE_TRINO_URI
(e.g. trino://superset@trino.example:8080), keeping the catalog (/curated, /realtime) of the file.

    python bundle.py OUT.zip
"""

import os
import re
import sys
import zipfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
ROOT = "millrace_dashboards"  # Superset strips the first folder of every path in the zip
URI_LINE = re.compile(r"^sqlalchemy_uri: trino://[^/\s]+/(\w+)\s*$", re.MULTILINE)


def build(out: Path, trino_uri: str | None) -> list[str]:
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(ASSETS.rglob("*.yaml")):
            rel = path.relative_to(ASSETS).as_posix()
            text = path.read_text(encoding="utf-8")
            if rel.startswith("databases/") and trino_uri:
                base = trino_uri.rstrip("/")
                text, n = URI_LINE.subn(lambda m: f"sqlalchemy_uri: {base}/{m.group(1)}", text)
                if n != 1:
                    raise SystemExit(f"{rel}: expected one trino:// sqlalchemy_uri line")
            z.writestr(f"{ROOT}/{rel}", text)
            names.append(rel)
    return names


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    built = build(Path(sys.argv[1]), os.environ.get("MILLRACE_TRINO_URI"))
    print(f"{sys.argv[1]}: {len(built)} files", file=sys.stderr)
