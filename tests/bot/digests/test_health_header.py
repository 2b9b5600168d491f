"""The company health score in the digest header (and on the dashboard): one line, the band words."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.dashboard import build_dashboard
from bot.blocks.digest import build_digest_messages, header_blocks
from bot.blocks.health_line import BAND_EMOJI, health_line
from kpi_core.config.analytics import HealthConfig
from kpi_core.health import HealthInput, health_score
from kpi_core.health_inputs import company_health, health_inputs
from tests.bot.digests.factories import KPIS, demo_snapshots, kpi, make_content, snap


def _context_texts(blocks: Sequence[Block]) -> list[str]:
    return [el["text"] for b in blocks if b.type == "context" for el in b.to_dict()["elements"]]


def test_header_carries_the_health_score_of_the_digest_snapshots() -> None:
    content = make_content()
    expected = health_score(health_inputs(demo_snapshots().values()))
    assert content.header.health is not None
    assert round(content.header.health.score, 6) == round(expected.score, 6)
    line = health_line(content.header.health)
    assert line == (
        f"🩺 Overall health: {BAND_EMOJI[expected.band]} *{expected.band.value}* "
        f"({expected.score:.0f}/100) · pulled down by: " + ", ".join(k.name for k in expected.drags)
    )
    head = header_blocks(content)
    assert [b.type for b in head] == ["header", "context", "context"]
    assert _context_texts(head)[-1] == line
    assert line in build_digest_messages(content).main.blocks[2].to_dict()["elements"][0]["text"]


def test_the_line_uses_the_band_words_and_escapes_kpi_names() -> None:
    items = [
        HealthInput("a", "A <b> & c", "revenue", "north_star", goal="behind", progress=0.2),
        HealthInput("b", "Uptime", "product", "health", health="healthy"),
        HealthInput("c", "NPS", "customer", "output", health="warning"),
        HealthInput("d", "CAC", "efficiency", "input", goal="met"),
    ]
    score = health_score(items)  # (3x14 + 100 + 1.5x50 + 2x100) / 7.5 = 55.6
    line = health_line(score)
    assert line.startswith(f"🩺 Overall health: 🟠 *FAIR* ({score.score:.0f}/100) · pulled down by: ")
    assert line.endswith("A &lt;b&gt; &amp; c, NPS")  # largest drag first; met and healthy do not drag
    perfect = health_score([HealthInput("d", "CAC", "efficiency", "input", goal="met")])
    assert health_line(perfect) == "🩺 Overall health: 🟢 *EXCELLENT* (100/100)"
    assert "\n" not in line


def test_tier_weights_from_the_config_change_the_score() -> None:
    snapshots = list(demo_snapshots().values())
    default = company_health(snapshots)
    heavy = company_health(snapshots, config=HealthConfig(tiers={"north_star": 100.0, "input": 0.0}))
    assert default is not None and heavy is not None
    assert round(heavy.score, 3) != round(default.score, 3)


def test_no_line_when_no_kpi_is_rated() -> None:
    plain = kpi("plain")  # no target, no thresholds
    content = make_content(
        kpis={**KPIS, "plain": plain},
        snapshots={"plain": snap(plain, [])},
        sections=[{"headline": ["plain"]}],
    )
    assert content.header.health is None
    assert [b.type for b in header_blocks(content)] == ["header", "context"]


def test_dashboard_shows_the_same_line() -> None:
    score = company_health(list(demo_snapshots().values()))
    assert score is not None
    message = build_dashboard(headline=[], quick_stats=[], alerts=[], updated="now", health=score)
    assert health_line(score) in _context_texts(message.blocks)
    without = build_dashboard(headline=[], quick_stats=[], alerts=[], updated="now")
    assert not any("Overall health" in t for t in _context_texts(without.blocks))
