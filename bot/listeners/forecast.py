"""`/kpi forecast KEY [HORIZON]`: the forecast card, its chart shared privately like a KPI card's.

The forecast is read from the forecast cache (kpi_core.forecast.cache): a card fits a model only when the
KPI's complete periods changed since the last one was stored.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import App

from bot.answers import Answers
from bot.blocks.forecast_card import build_forecast_card
from bot.blocks.primitives import Message
from bot.charts.forecast_chart import render_forecast_chart
from bot.grammar import KpiRequest
from bot.slack.uploads import share_chart
from kpi_core.forecast.cache import ForecastCache
from kpi_core.forecast.series import HISTORY_LIMIT, complete_history
from kpi_core.forecast.service import forecast_kpi
from kpi_core.periods import shift_period
from kpi_core.snapshot import Point
from kpi_core.sources import store_for

CHART_HISTORY = {"daily": 90, "weekly": 52, "monthly": 24, "quarterly": 12}  # actual periods drawn


def forecast_answer(request: KpiRequest, user_id: str, channel_id: str, *, answers: Answers) -> list[Message]:
    """The forecast card for `request.subject`, with its chart shared into the asker's DM."""
    runtime = answers.runtime
    kpi = answers.runtime.service.catalog.find(request.subject) or answers.resolve(request.subject)
    today = runtime.service.today()
    store = store_for(runtime.config, runtime.db)
    result = forecast_kpi(
        kpi=kpi,
        store=store,
        cache=ForecastCache(runtime.db, clock=runtime.clock),
        today=today,
        horizon=request.horizon,
    )
    if result.forecast is None:
        return [build_forecast_card(result)]
    start = shift_period(today, kpi.grain, -HISTORY_LIMIT[kpi.grain])
    rows = store.series([kpi.key], start=start, end=today).get(kpi.key, [])
    history = complete_history(points=[Point(p, v) for p, v in rows], grain=kpi.grain, today=today)
    history = history[-CHART_HISTORY[kpi.grain] :]
    key = ("forecast", kpi.key, result.forecast.through, len(result.forecast.points), tuple(history))
    chart = answers.charts.get_or_render(key, partial(render_forecast_chart, result, history=history))
    channel = answers.private_channel(user_id, channel_id)
    file_id = share_chart(answers.client, chart, channel=channel) if channel else None
    return [build_forecast_card(result, chart_file_id=file_id, chart_alt_text=chart.alt_text)]


def register(app: App, answers: Answers) -> None:
    """Add the `forecast` verb to `/kpi` (the command listener dispatches it through `answers`)."""
    del app  # the verb rides on the existing /kpi listener
    answers.extra_verbs["forecast"] = partial(forecast_answer, answers=answers)
