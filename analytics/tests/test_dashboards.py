"""The bundle imports, and every chart's saved query returns what the loaded data implies."""

from datetime import date, datetime, timezone

import pytest

from expected import Day, Realtime, week


def day_of(value) -> date:
    """A time column as the chart data API returns it (epoch milliseconds or ISO text)."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc).date()
    return date.fromisoformat(str(value)[:10])


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


@pytest.fixture(scope="session")
def day(loaded) -> Day:
    return Day(loaded["day"])


@pytest.fixture(scope="session")
def realtime(loaded) -> Realtime:
    return Realtime(loaded["realtimeEvents"], loaded["deadLetters"])


@pytest.fixture(scope="session")
def charts(superset) -> dict[str, dict]:
    return {c["slice_name"]: c for c in superset.all("chart")}


def test_the_import_creates_every_dashboard_with_its_charts(superset, assets, charts):
    dashboards = {d["dashboard_title"]: d for d in superset.all("dashboard")}
    assert set(dashboards) == {d["dashboard_title"] for d in assets["dashboards"]}
    assert set(charts) == {c["slice_name"] for c in assets["charts"]}
    for d in assets["dashboards"]:
        wanted = {v["meta"]["sliceName"] for v in d["position"].values()
                  if isinstance(v, dict) and v.get("type") == "CHART"}
        on_dashboard = superset.get(f"/api/v1/dashboard/{dashboards[d['dashboard_title']]['id']}/charts")["result"]
        assert {c["slice_name"] for c in on_dashboard} == wanted, d["dashboard_title"]


def rows(superset, charts, name) -> list[dict]:
    """The chart's data through its saved query context (GET /api/v1/chart/{id}/data/)."""
    answer = superset.get(f"/api/v1/chart/{charts[name]['id']}/data/")
    (result,) = answer["result"]
    assert result.get("error") is None, result.get("error")
    return result["data"]


# One check per chart: a chart added to the bundle without a check here fails the next test.
CHECKS = {}


def check(name):
    def register(f):
        CHECKS[name] = f
        return f
    return register


def test_every_chart_has_a_check(assets):
    assert set(CHECKS) == {c["slice_name"] for c in assets["charts"]}


@check("Events over time by type")
def _(data, day, rt):
    assert {(day_of(r["ds"]), r["event_type"]): r["events"] for r in data} == day.events_by_day_and_type()


@check("Daily active users")
def _(data, day, rt):
    assert {day_of(r["ds"]): r["active_users"] for r in data} == day.active_users(lambda d: d)


@check("Weekly active users")
def _(data, day, rt):
    assert {day_of(r["ds"]): r["active_users"] for r in data} == day.active_users(week)


@check("Sessions per day")
def _(data, day, rt):
    assert {day_of(r["ds"]): r["sessions"] for r in data} == day.sessions_by_day()


@check("Bounce rate")
def _(data, day, rt):
    assert [r["bounce_rate"] for r in data] == [approx(day.bounce_rate())]


@check("Median session length (s)")
def _(data, day, rt):
    assert [r["median_session_seconds"] for r in data] == [approx(day.median_session_seconds())]


@check("Top pages")
def _(data, day, rt):
    assert {r["page_path"]: r["events"] for r in data} == day.page_views_by_path()


@check("Devices")
def _(data, day, rt):
    assert sum(r["events"] for r in data) == len(day.events)


@check("Browsers")
def _(data, day, rt):
    assert sum(r["events"] for r in data) == len(day.events)


@check("Sessions and conversions by referrer class")
def _(data, day, rt):
    # The generated day has no referrers: every session is in one class, none lost.
    assert sum(r["sessions"] for r in data) == len(day.sessions)
    assert sum(r["conversions"] for r in data) == sum(s["converted"] for s in day.sessions)


@check("Sessions and conversions by UTM source")
def _(data, day, rt):
    want = day.sessions_and_conversions("utm_source", "utm_medium")
    assert {(r["utm_source"], r["utm_medium"]): (r["sessions"], r["conversions"]) for r in data} == \
        {k: v[:2] for k, v in want.items()}


@check("Sessions, conversions and revenue by UTM campaign")
def _(data, day, rt):
    want = day.sessions_and_conversions("utm_campaign")
    assert {(r["utm_campaign"],): (r["sessions"], r["conversions"], approx(float(r["revenue"] or 0)))
            for r in data} == {k: (v[0], v[1], approx(v[2])) for k, v in want.items()}


@check("Funnel: page view, add to cart, purchase")
def _(data, day, rt):
    got = {(day_of(r["ds"]), r["source"]): (r["page_view_sessions"], r["add_to_cart_sessions"],
                                           r["purchase_sessions"]) for r in data}
    assert got == {k: v[:3] for k, v in day.funnel().items()}
    for r in data:
        assert r["view_to_purchase_rate"] == approx(r["purchase_sessions"] / r["page_view_sessions"])


@check("Revenue per day and source")
def _(data, day, rt):
    got = {(day_of(r["ds"]), r["source"]): float(r["revenue"]) for r in data}
    assert got == {k: approx(v[3]) for k, v in day.funnel().items()}


@check("View to purchase conversion per day")
def _(data, day, rt):
    want = {}
    for (ds, _), v in day.funnel().items():
        pv, buy = want.get(ds, (0, 0))
        want[ds] = (pv + v[0], buy + v[2])
    assert {day_of(r["ds"]): r["view_to_purchase_rate"] for r in data} == \
        {ds: approx(buy / pv) for ds, (pv, buy) in want.items()}


@check("Events in the last 15 minutes")
def _(data, day, rt):
    assert [r["events"] for r in data] == [sum(rt.recent_events(datetime.now(timezone.utc)).values())]


@check("Indexed events by type, last 15 minutes")
def _(data, day, rt):
    assert {r["event_type"]: r["events"] for r in data} == dict(rt.recent_events(datetime.now(timezone.utc)))


@check("Dead letters by stage and reason")
def _(data, day, rt):
    got = {}
    for r in data:
        got[(r["stage"], r["reason"])] = got.get((r["stage"], r["reason"]), 0) + r["dead_letters"]
    assert got == rt.dead_letters_by_stage_and_reason()


@check("Share dead-lettered")
def _(data, day, rt):
    assert [r["dead_letter_share"] for r in data] == [approx(rt.dead_letter_share())]


# After every @check above: the parameters are the registered checks.
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_chart_data(name, superset, charts, day, realtime):
    CHECKS[name](rows(superset, charts, name), day, realtime)
