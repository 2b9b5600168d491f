"""`/kpi forecast` end to end: signed slash commands into the real Bolt app on a real port (emulator)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from kpi_core.storage.db import Database
from kpi_core.storage.forecast_models import ForecastRow
from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import ask, assert_valid_message, text_of


def test_forecast_card_with_its_chart_and_target_outlook(stack: SandboxStack, demo_db_url: str) -> None:
    [answer] = ask(stack, "forecast mrr 6")
    assert_valid_message(answer)
    assert answer.blocks[0]["text"]["text"] == "Monthly Recurring Revenue · forecast"
    body = text_of(answer)
    # 20 November 2026: November is in progress, so October is the last complete month.
    assert "*Last complete* · Oct 2026: *$" in body
    months = re.findall(r"^(\w{3} \d{4}): \*\$[\d.,]+[KM]?\* \(80%: \$", body, flags=re.MULTILINE)
    assert months == ["Nov 2026", "Dec 2026", "Jan 2027", "Feb 2027", "Mar 2027", "Apr 2027"]
    assert re.search(r"Target \$550K by 31 Dec 2026: (on|behind) pace, expected \$", body)
    assert "exponential smoothing" in body and "80% intervals" in body
    [image] = [b for b in answer.blocks if b["type"] == "image"]
    file = stack.emulator.file(image["slack_file"]["id"])
    assert file.content.startswith(b"\x89PNG")
    dm = stack.emulator.im_channel(stack.user("dana"))
    assert dm is not None and file.is_shared_in(dm.id)
    assert "Forecast for Apr 2027" in image["alt_text"]
    database = Database.from_url(demo_db_url)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ForecastRow)) == 1
    database.engine.dispose()
    [again] = ask(stack, "forecast MRR 6")  # served from the forecast cache: the same numbers
    assert text_of(again) == body


def test_forecast_of_a_daily_kpi_defaults_to_ninety_days(stack: SandboxStack) -> None:
    [answer] = ask(stack, "forecast daily active users")
    assert_valid_message(answer)
    body = text_of(answer)
    assert "*Last complete* · Thu 19 Nov 2026" in body
    assert "Fri 20 Nov 2026: *" in body and "Wed 17 Feb 2027: *" in body  # the 90th day, after "…"


def test_forecast_refusals(stack: SandboxStack) -> None:
    [missing] = ask(stack, "forecast")
    assert "needs a KPI" in text_of(missing)
    [too_far] = ask(stack, "forecast mrr 500")
    assert "1 to 120 periods" in text_of(too_far)
    [unknown] = ask(stack, "forecast mmr")
    assert "Did you mean" in text_of(unknown)
