"""The company health score as one line, for the digest headers and `/kpi dashboard`.

    health_line(score)  # "🩺 Overall health: 🟢 *GOOD* (74/100) · pulled down by: MRR, CAC, NPS"

The same band words and colours as `/kpi health` (bot/blocks/analytics.py).
"""

from __future__ import annotations

from bot.blocks.primitives import escape
from kpi_core.health import Band, HealthScore
from kpi_core.standing import HEALTH_SYMBOL, Health

# The shared health colours (kpi_core/standing.py): a fair score looks like a warning, a poor one critical.
BAND_EMOJI = {
    Band.EXCELLENT: HEALTH_SYMBOL[Health.HEALTHY],
    Band.GOOD: HEALTH_SYMBOL[Health.HEALTHY],
    Band.FAIR: HEALTH_SYMBOL[Health.WARNING],
    Band.POOR: HEALTH_SYMBOL[Health.CRITICAL],
}


def health_line(score: HealthScore) -> str:
    """The overall score, its band and the KPIs that pull it down most (largest first)."""
    line = f"🩺 Overall health: {BAND_EMOJI[score.band]} *{score.band.value}* ({score.score:.0f}/100)"
    if score.drags:
        line += " · pulled down by: " + ", ".join(escape(k.name) for k in score.drags)
    return line
