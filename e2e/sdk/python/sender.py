"""What the tracker senders share: their command line, `<collector url> <key> <count> <out.jsonl>`."""

import argparse


def parser(doc: str, key: str) -> argparse.ArgumentParser:
    """The senders' arguments; `key` names the credential (a write key, a Snowplow app id)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url", help="the collector's HTTP base URL, e.g. http://127.0.0.1:8080")
    p.add_argument(key)
    p.add_argument("count", type=int, help="how many events to send")
    p.add_argument("out", help="where to write one JSON line per event")
    return p
