"""Sends COUNT events to a Millrace collector through segment-analytics-python, unmodified and used
only through its public API:

    python segment_send.py <collector url> <write key> <count> <out.jsonl> [--max-retries N]

Every call type in turn: track (several names, "Order Completed" among them), page, screen,
identify, group, alias. For each event one JSON line goes to <out.jsonl>: the messageId, the call
type and the Millrace event_type the collector must give it. Most calls pass an explicit
message_id (a UUID, or for some a free-form id); one in ten leaves it to the SDK and records the
one the SDK generated (each call returns the message it queued). Batches are gzipped. It flushes,
and exits non-zero if the SDK reported a failure (its on_error callback) or refused to queue.
"""

import json
import sys
import uuid

from segment.analytics import Client

import sender

CALLS = [
    # (call, expected Millrace event_type, keyword arguments for the call)
    ("track", "order_completed", lambda i: {"event": "Order Completed", "properties": {"order_id": f"o-{i}", "revenue": 19.99}}),
    ("track", "product_viewed", lambda i: {"event": "Product Viewed", "properties": {"product_id": f"p-{i % 50}"}}),
    # Normalised to a type Millrace ships a schema for: the properties are validated against it.
    (
        "track",
        "add_to_cart",
        lambda i: {
            "event": "Add To Cart",
            "properties": {"product_id": f"p-{i % 50}", "quantity": 1 + i % 3, "unit_price": 4.5, "currency": "EUR"},
        },
    ),
    ("track", "signup_started", lambda i: {"event": "signupStarted"}),
    ("page", "page", lambda i: {"category": "Docs", "name": "Install", "properties": {"path": f"/docs/install/{i}"}}),
    ("screen", "screen", lambda i: {"name": "Checkout", "properties": {"step": 2}}),
    ("identify", "identify", lambda i: {"traits": {"plan": "pro" if i % 2 else "free"}}),
    ("group", "group", lambda i: {"group_id": f"g-{i % 7}", "traits": {"name": "Acme"}}),
    ("alias", "alias", lambda i: {"previous_id": f"anon-py-{i}"}),
]


def main() -> int:
    parser = sender.parser(__doc__, "write_key")
    parser.add_argument("--max-retries", type=int, default=10, help="the SDK's own retries per batch")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]

    failures = []

    def on_error(error, batch):
        failures.extend(batch)
        print(f"segment_send.py: {len(batch)} events failed: {error}", file=sys.stderr)

    client = Client(
        write_key=args.write_key,
        host=args.url,
        gzip=True,
        max_retries=args.max_retries,
        upload_size=50,
        on_error=on_error,
    )
    refused = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.count):
            call, event_type, kwargs = CALLS[i % len(CALLS)]
            kw = kwargs(i)
            if call == "alias" or i % 3 == 0:
                kw["user_id"] = f"user-{run}-{i % 100}"
            else:
                kw["anonymous_id"] = f"anon-{run}-{i}"
            if i % 10 == 8:
                kw["message_id"] = f"py-{run}-{i}"  # not a UUID: the collector derives the event id
            elif i % 10 != 9:  # else the SDK makes one
                kw["message_id"] = str(uuid.uuid4())
            queued, message = getattr(client, call)(**kw)
            if not queued:
                refused += 1
            source = "caller" if "message_id" in kw else "sdk"
            line = {"id": message["messageId"], "call": call, "event_type": event_type, "id_from": source}
            out.write(json.dumps(line) + "\n")
    client.shutdown()  # flush() and join(): every batch answered or given up on
    print(
        f"segment_send.py: {args.count} events, {refused} not queued, {len(failures)} failed",
        file=sys.stderr,
    )
    return 1 if failures or refused else 0


if __name__ == "__main__":
    sys.exit(main())
