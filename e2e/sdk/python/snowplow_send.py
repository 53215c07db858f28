"""Sends COUNT events to a Millrace collector through Snowplow's Python tracker (snowplow-tracker),
unmodified and used only through its public API:

    python snowplow_send.py <collector url> <app id> <count> <out.jsonl>

In turn: page views, structured events, self-describing events whose Iglu schema names a type
Millrace ships a schema for (link_click, add_to_cart), and one whose schema it does not know
(gift_wrap_chosen), which the enricher must dead-letter as UNKNOWN_SCHEMA. Most go by POST to
/com.snowplowanalytics.snowplow/tp2 (self-describing JSON as ue_pr); one in eleven by GET /i (base64,
ue_px). The tracker makes each event id itself and returns it from track(); one JSON line per event
goes to <out.jsonl> with that eid, the event kind, the Millrace event_type and the expected outcome.
It flushes, and exits non-zero if the tracker reported a failed request (its on_failure callback).
"""

import json
import logging
import os
import sys
import uuid

from snowplow_tracker import Emitter, PageView, SelfDescribing, SelfDescribingJson, StructuredEvent, Subject, Tracker, logger

import sender

UNKNOWN_SCHEMA = "iglu:com.acme/gift_wrap_chosen/jsonschema/1-0-0"

KINDS = [
    # (kind, expected Millrace event_type, expected outcome, event factory)
    (
        "page_view",
        "page_view",
        "enriched",
        lambda i: PageView(
            page_url=f"https://shop.example/p/{i}?utm_source=news", page_title="Product", referrer="https://search.example/"
        ),
    ),
    (
        "structured",
        "structured_event",
        "enriched",
        lambda i: StructuredEvent(category="checkout", action="coupon_applied", label=f"c-{i % 5}", property_="code", value=i),
    ),
    (
        "self_describing",
        "link_click",
        "enriched",
        lambda i: SelfDescribing(
            SelfDescribingJson(
                "iglu:com.acme/link_click/jsonschema/1-0-0", {"target_url": f"https://docs.example/{i}", "link_text": "Docs"}
            )
        ),
    ),
    (
        "self_describing",
        "add_to_cart",
        "enriched",
        lambda i: SelfDescribing(
            SelfDescribingJson(
                "iglu:dev.millrace/add_to_cart/jsonschema/1-0-0",
                {"product_id": f"p-{i % 50}", "quantity": 2, "unit_price": 9.5, "currency": "EUR"},
            )
        ),
    ),
    (
        "self_describing",
        "gift_wrap_chosen",
        "UNKNOWN_SCHEMA",
        lambda i: SelfDescribing(SelfDescribingJson(UNKNOWN_SCHEMA, {"wrap": "gold", "order": f"o-{i}"})),
    ),
]


def main() -> int:
    args = sender.parser(__doc__, "app_id").parse_args()
    run = uuid.uuid4().hex[:8]
    logger.setLevel(logging.WARNING)  # the emitter logs every request at INFO

    failed = []

    def on_failure(sent, unsent):
        failed.extend(unsent)
        print(f"snowplow_send.py: a request failed: {sent} sent, {len(unsent)} unsent", file=sys.stderr)

    post = Emitter(args.url, method="post", batch_size=50, on_failure=on_failure, request_timeout=30)
    get = Emitter(args.url, method="get", on_failure=on_failure, request_timeout=30)
    subject = Subject().set_platform("web").set_lang("de-DE").set_useragent("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
    trackers = {
        "post": Tracker("millrace-e2e", post, subject=subject, app_id=args.app_id, encode_base64=False),
        "get": Tracker("millrace-e2e", get, subject=subject, app_id=args.app_id, encode_base64=True),
    }
    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.count):
            kind, event_type, expect, make = KINDS[i % len(KINDS)]
            event = make(i)
            # A per-event subject: the user (or only the browser's id) the event is about.
            who = Subject().set_domain_user_id(f"duid-{run}-{i % 200}")
            if i % 3 == 0:
                who.set_user_id(f"user-{run}-{i % 100}")
            event.event_subject = who
            method = "get" if i % 11 == 7 else "post"
            eid = trackers[method].track(event)
            line = {"id": eid, "kind": kind, "event_type": event_type, "expect": expect, "method": method}
            out.write(json.dumps(line) + "\n")
    for tracker in trackers.values():
        tracker.flush()
    print(f"snowplow_send.py: {args.count} events, {len(failed)} failed", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    # A failed request leaves the emitter's retry timer behind: end without waiting for it.
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
