"""The demo page server's JSON API, without a browser: every call goes through the real bot."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from kpibot_demo import DemoApp
from kpibot_demo.server import STATIC
from tests.kpibot_demo.conftest import call
from tests.stack_fixtures import DEMO_NOW


def headers_of(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "header"]


def ask(demo: DemoApp, text: str, *, user: str = "dana", channel: str = "general") -> dict[str, Any]:
    """Send `text` from the page's composer and return the newest answer `user` sees."""
    uid, cid = demo.stack.user(user), demo.stack.channel(channel)
    before = len(demo.stack.emulator.ephemerals(uid))
    status, body = call(demo, "/api/command", {"user": uid, "channel": cid, "text": text})
    assert status == 200 and body["ok"], body
    demo.stack.emulator.wait_for(
        lambda: any(e.blocks for e in demo.stack.emulator.ephemerals(uid)[before:]), timeout=30
    )
    _, timeline = call(demo, f"/api/timeline?channel={cid}&viewer={uid}")
    return timeline


def test_state_lists_the_demo_workspace(demo: DemoApp) -> None:
    status, state = call(demo, "/api/state")
    assert status == 200
    rooms = {c["name"]: c for c in state["channels"] if c["kind"] == "public"}
    for name in ("general", "kpi-daily", "kpi-weekly", "kpi-board", "kpi-alerts", "exec-alerts", "kpi-ops"):
        assert name in rooms
    assert "weekdays at 09:00" in rooms["kpi-daily"]["about"]
    people = {u["email"]: u for u in state["users"] if not u["is_bot"]}
    assert people["cfo@northwind.example"]["real_name"] == "CFO"
    assert "Monthly Recurring Revenue" in people["cfo@northwind.example"]["owns"]
    dana = people["dana@northwind.example"]
    assert dana["real_name"] == "Dana (analyst)" and dana["owns"] == []
    assert dana["id"] not in rooms["exec-alerts"]["members"] and dana["id"] in rooms["general"]["members"]
    assert {d["name"] for d in state["digests"]} == {"daily", "weekly", "monthly", "quarterly"}
    churn = next(k for k in state["kpis"] if k["key"] == "monthly_churn_rate")
    assert churn["critical"] and churn["direction"] == "lower"
    assert state["now"] == DEMO_NOW.isoformat() and state["background"] is True


def test_kpi_command_answers_privately_with_a_loadable_chart(demo: DemoApp) -> None:
    timeline = ask(demo, "/kpi mrr")
    [answer] = [m for m in timeline["messages"] if m.get("is_ephemeral")]
    assert headers_of(answer["blocks"])[0].startswith("Monthly Recurring Revenue · $")
    [image] = [b for b in answer["blocks"] if b["type"] == "image"]
    url = timeline["files"][image["slack_file"]["id"]]["url"]
    assert url.startswith("/files/")
    with urllib.request.urlopen(demo.url + url, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.read().startswith(b"\x89PNG")
    # another person sees nothing of it in the channel
    cid, cfo = demo.stack.channel("general"), demo.stack.user("cfo")
    _, theirs = call(demo, f"/api/timeline?channel={cid}&viewer={cfo}")
    assert theirs["messages"] == []


def test_share_in_channel_posts_the_card_for_everyone(demo: DemoApp) -> None:
    timeline = ask(demo, "/kpi churn")
    [answer] = [m for m in timeline["messages"] if m.get("is_ephemeral")]
    share = next(
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "share" in e["action_id"]
    )
    cid, dana = demo.stack.channel("general"), demo.stack.user("dana")
    status, body = call(
        demo,
        "/api/click",
        {
            "user": dana,
            "channel": cid,
            "ts": answer["ts"],
            "action_id": share["action_id"],
            "value": share["value"],
        },
    )
    assert status == 200, body
    emulator = demo.stack.emulator
    emulator.wait_for(lambda: any(not m.via.startswith("files") for m in emulator.messages(cid)), timeout=30)
    _, seen = call(demo, f"/api/timeline?channel={cid}&viewer={demo.stack.user('cfo')}")
    [card] = seen["messages"]
    assert headers_of(card["blocks"])[0].startswith("Monthly Churn Rate")
    assert f"<@{dana}>" in json.dumps(card["blocks"])  # "shared by" the person who clicked


def test_commands_other_than_kpi_are_explained(demo: DemoApp) -> None:
    who = {"user": demo.stack.user("dana"), "channel": demo.stack.channel("general")}
    status, body = call(demo, "/api/command", {**who, "text": "hello there"})
    assert status == 400 and "type a command such as /kpi mrr" in body["error"]
    status, body = call(demo, "/api/command", {**who, "text": "/weather"})
    assert status == 400 and "/weather is not a command" in body["error"]
    status, body = call(
        demo, "/api/command", {**who, "channel": demo.stack.channel("exec-alerts"), "text": "/kpi"}
    )
    assert status == 400 and "is not in #exec-alerts" in body["error"]
    status, body = call(demo, "/api/command", {"user": who["user"], "text": "/kpi"})
    assert status == 400 and body["error"] == "`channel` is required"


def test_advance_moves_the_clock_in_steps_and_posts_what_is_due(demo: DemoApp) -> None:
    status, body = call(demo, "/api/advance", {"hours": 24})
    assert status == 200 and body["message"] == "Clock advanced by 1 day"
    assert demo.controller.now() == DEMO_NOW + timedelta(days=1)
    assert demo.stack.emulator.messages("kpi-daily") == []
    # Friday 14:00 UTC + 1 day passes no weekday 09:00 Berlin; Monday's does fire after the weekend
    call(demo, "/api/advance", {"hours": 48})
    daily = demo.stack.emulator.messages("kpi-daily")
    assert any("Daily metrics" in m.text for m in daily), [m.text for m in daily]
    for bad in (0, -1, 24 * 40, "soon", True):
        status, body = call(demo, "/api/advance", {"hours": bad})
        assert status == 400, bad


def test_post_digest_now(demo: DemoApp) -> None:
    status, body = call(demo, "/api/digest", {"name": "weekly"})
    assert status == 200 and "posted" in body["message"], body
    [digest] = [m for m in demo.stack.emulator.messages("kpi-weekly") if m.via == "chat.postMessage"]
    assert "Weekly business review" in digest.text
    assert any(b["type"] == "image" for b in digest.blocks)
    status, body = call(demo, "/api/digest", {"name": "hourly"})
    assert status == 400 and "no digest called 'hourly'" in body["error"]


def test_record_a_value(demo: DemoApp) -> None:
    status, body = call(demo, "/api/record", {"kpi": "nps", "value": "38"})
    assert status == 200 and body["message"].startswith("Recorded Net Promoter Score = 38"), body
    snapshot = demo.stack.runtime.service.snapshot("nps_score")
    # NPS is a monthly rate: a value pushed for the running month is that month to date, never its headline
    assert snapshot.in_progress is not None and snapshot.in_progress.value == 38
    assert snapshot.value != 38 and snapshot.period is not None
    assert snapshot.period < snapshot.in_progress.period
    status, body = call(demo, "/api/record", {"kpi": "mrr", "value": "12%"})
    assert status == 400 and "is a percentage" in body["error"]
    status, body = call(demo, "/api/record", {"kpi": "mmr", "value": "1"})
    assert status == 400 and "mrr" in body["error"]


def test_open_dm_through_the_bot(demo: DemoApp) -> None:
    status, body = call(demo, "/api/dm", {"user": "cfo@northwind.example"})
    assert status == 200 and body["channel"].startswith("D")
    _, state = call(demo, "/api/state")
    assert any(
        c["id"] == body["channel"] and c["im_user"] == demo.stack.user("cfo") for c in state["channels"]
    )


def test_live_events_reach_the_page(demo: DemoApp) -> None:
    host, port = demo.page.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=30)
    connection.request("GET", "/api/events")
    response = connection.getresponse()
    assert response.headers["Content-Type"] == "text/event-stream"

    def next_event() -> dict[str, Any]:
        while True:
            line = response.readline().decode().strip()
            if line.startswith("data: "):
                return dict(json.loads(line.removeprefix("data: ")))

    assert next_event()["kind"] == "hello"
    call(demo, "/api/advance", {"hours": 1})
    assert next_event()["kind"] == "clock"
    ask(demo, "/kpi arr")
    kinds = set()
    while "ephemeral" not in kinds:
        kinds.add(next_event()["kind"])
    connection.close()


def test_requests_from_other_sites_are_refused(demo: DemoApp) -> None:
    status, body = call(demo, "/api/state", headers={"Host": "evil.example:8080"})
    assert status == 403 and "unexpected Host" in body["error"]
    request = urllib.request.Request(
        demo.url + "/api/advance",
        data=b"hours=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a form post was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 415
    assert demo.controller.now() == DEMO_NOW


def test_page_and_static_files(demo: DemoApp) -> None:
    with urllib.request.urlopen(demo.url + "/", timeout=10) as response:
        html = response.read().decode()
    assert '<script type="module" src="/static/app.js">' in html
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/files/F404/x.png", "/nope"):
        try:
            urllib.request.urlopen(demo.url + path, timeout=10)
            raise AssertionError(path)
        except urllib.error.HTTPError as error:
            assert error.code == 404, path


def test_the_page_needs_no_network() -> None:
    """Offline: no CDN fonts, scripts or styles; every reference is to this server."""
    for file in STATIC.iterdir():
        text = file.read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), file.name
        assert "@import" not in text and "url(http" not in text, file.name
        assert not re.search(r"from \"https?:", text), file.name


def test_advance_says_what_fired_and_what_was_skipped(demo: DemoApp) -> None:
    # Friday 14:00 UTC to Tuesday 14:00: Monday's daily and weekly digests post; with no new data
    # after Monday (the demo's data stops), Tuesday's daily digest is skipped
    status, body = call(demo, "/api/advance", {"hours": 24 * 4})
    assert status == 200, body
    report = body["report"]
    posted = "Daily metrics posted in #kpi-daily (Mon 23 Nov 09:00"
    assert any(line.startswith(posted) for line in report), report
    assert any(line.startswith("Weekly business review posted in #kpi-weekly") for line in report), report
    assert "Daily metrics skipped (Tue 24 Nov 09:00): no new data since Mon 23 Nov" in report, report
    assert any("reminders for alerts still firing" in line for line in report), report
