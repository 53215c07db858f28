"""What each dashboard must show, computed here from what the test loaded (the generated day and
the realtime documents), with the rules the curation README states, independently of the job."""

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

GAP = timedelta(minutes=30)  # sessions.inactivity-gap default


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Day:
    def __init__(self, events: list[dict]):
        # Dedup: the earliest received copy of an event id is kept.
        kept: dict[str, dict] = {}
        for e in sorted(events, key=lambda e: ts(e["receivedAt"])):
            kept.setdefault(e["eventId"], e)
        self.events = list(kept.values())
        for e in self.events:
            e["ds"] = ts(e["receivedAt"]).date()  # the raw partition is the received day
            e["path"] = "/" + e["pageUrl"].split("/", 3)[3]
            total = json.loads(e["payloadJson"]).get("total", 0)  # revenue: a purchase's payload total
            e["total"] = total if isinstance(total, (int, float)) else 0
        self.sessions = self._sessions()

    def _sessions(self) -> list[dict]:
        by_visitor = defaultdict(list)
        for e in self.events:
            if e["anonymousId"] is not None:
                by_visitor[e["anonymousId"]].append(e)
        sessions = []
        for visitor_events in by_visitor.values():
            visitor_events.sort(key=lambda e: ts(e["occurredAt"]))
            current = None
            for e in visitor_events:
                if current is None or ts(e["occurredAt"]) - ts(current[-1]["occurredAt"]) > GAP:
                    current = []
                    sessions.append(current)
                current.append(e)
        out = []
        for s in sessions:
            first, last = s[0], s[-1]
            types = [e["eventType"] for e in s]
            out.append({
                "ds": ts(first["occurredAt"]).date(),
                "events": s,
                "duration": int((ts(last["occurredAt"]) - ts(first["occurredAt"])).total_seconds()),
                "bounced": len(s) == 1,
                "converted": "purchase" in types,
                "revenue": sum(e["total"] for e in s if e["eventType"] == "purchase"),
                "utm_source": first["utmSource"], "utm_medium": first["utmMedium"],
                "utm_campaign": first["campaign"], "source": first["source"],
            })
        return out

    def events_by_day_and_type(self) -> dict:
        return dict(Counter((e["ds"], e["eventType"]) for e in self.events))

    def active_users(self, period) -> dict:
        users = defaultdict(set)
        for e in self.events:
            who = e["userId"] or e["anonymousId"]
            if who is not None:
                users[period(e["ds"])].add(who)
        return {k: len(v) for k, v in users.items()}

    def sessions_by_day(self) -> dict:
        return dict(Counter(s["ds"] for s in self.sessions))

    def bounce_rate(self) -> float:
        return sum(s["bounced"] for s in self.sessions) / len(self.sessions)

    def median_session_seconds(self) -> float:
        d = sorted(s["duration"] for s in self.sessions)
        return d[(len(d) - 1) // 2]  # Trino's approx_percentile is exact on so few values

    def page_views_by_path(self) -> dict:
        return dict(Counter(e["path"] for e in self.events if e["eventType"] == "page_view"))

    def sessions_and_conversions(self, *keys) -> dict:
        out = defaultdict(lambda: [0, 0, 0.0])
        for s in self.sessions:
            k = tuple(s[key] for key in keys)
            out[k][0] += 1
            out[k][1] += s["converted"]
            out[k][2] += s["revenue"]
        return {k: tuple(v) for k, v in out.items()}

    def funnel(self) -> dict:
        """(ds, source) -> (page_view, add_to_cart, purchase sessions, revenue), per day of events."""
        out = defaultdict(lambda: [0, 0, 0, 0.0])
        for s in self.sessions:
            by_day = defaultdict(list)
            for e in s["events"]:
                by_day[e["ds"]].append(e)
            for ds, es in by_day.items():
                types = {e["eventType"] for e in es}
                row = out[(ds, s["source"])]
                pv = "page_view" in types
                cart = pv and "add_to_cart" in types
                buy = cart and "purchase" in types
                row[0] += pv
                row[1] += cart
                row[2] += buy
                row[3] += sum(e["total"] for e in es if e["eventType"] == "purchase")
        return {k: tuple(v) for k, v in out.items()}


def week(d: date) -> date:
    return d - timedelta(days=d.weekday())  # Trino's date_trunc('week'): Monday


class Realtime:
    def __init__(self, events: list[dict], dead_letters: list[dict]):
        self.events = events
        self.dead_letters = dead_letters

    def recent_events(self, now: datetime) -> Counter:
        since = now - timedelta(minutes=15)
        return Counter(e["event_type"] for e in self.events if ts(e["metadata"]["received_at"]) > since)

    def dead_letters_by_stage_and_reason(self) -> dict:
        return dict(Counter((d["stage"], d["reason"]) for d in self.dead_letters))

    def dead_letter_share(self) -> float:
        return len(self.dead_letters) / (len(self.dead_letters) + len(self.events))
