"""A digest's cohort section: the heatmap in its own image slot (keyed by the section's index, like a chart),
the insight lines, and why there is no table when there is none."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.blocks.digest import ChartSlot, build_digest_messages
from bot.digest_charts import NO_DATA_YET, chart_filename, render_digest_charts
from kpi_core.cohorts import CohortDataError, CohortKind, CohortRow, CohortTable
from kpi_core.digests.collect import collect_cohorts
from kpi_core.digests.content import CohortsSection
from tests.bot.digests.factories import make_content
from tests.bot.digests.test_blocks import flat
from tests.kpi_core.digests.factories import make_digest

SECTIONS: list[Any] = [{"headline": ["mrr"]}, {"cohorts": "retention"}]


def table(*, rows: bool = True) -> CohortTable:
    return CohortTable(
        kind=CohortKind.RETENTION,
        title="Retention by signup cohort",
        unit="percent",
        period_name="Month",
        periods=(0, 1, 3),
        rows=(
            CohortRow("Sep 2026", date(2026, 9, 1), 10, (100.0, 90.0, None)),
            CohortRow("Oct 2026", date(2026, 10, 1), 12, (100.0, None, None)),
        )
        if rows
        else (),
        as_of=date(2026, 11, 15),
        targets={1: 95.0},
        insights=("Month 1 retention is 90% <below> the 95% target",),
    )


def test_the_heatmap_takes_its_slot_and_the_insights_follow() -> None:
    content = make_content(sections=SECTIONS, cohorts={"retention": table()})
    section = content.sections[1]
    assert isinstance(section, CohortsSection) and section.title == "Retention cohorts"
    main = build_digest_messages(content, charts={1: ChartSlot(file_id="F9", alt_text="the table")}).main
    [image] = [b.to_dict() for b in main.blocks if b.type == "image"]
    assert image["slack_file"] == {"id": "F9"} and image["title"]["text"] == "🧮 Retention cohorts"
    text = flat(main)
    assert "• Month 1 retention is 90% &lt;below&gt; the 95% target" in text
    assert "Complete months to 15 Nov 2026; blank cells are not over yet." in text
    before = flat(build_digest_messages(content).main)  # before the upload: the title, no image yet
    assert "*🧮 Retention cohorts*" in before and "Month 1 retention" in before
    failed = build_digest_messages(content, charts={1: ChartSlot(note="the chart could not be uploaded")})
    assert "🧮 Retention cohorts: the chart could not be uploaded" in flat(failed.main)


def test_without_a_table_the_section_says_why() -> None:
    content = make_content(sections=SECTIONS, cohorts={"retention": "the cohort query failed: no table"})
    text = flat(build_digest_messages(content).main)
    assert "🧮 Retention cohorts: the cohort query failed: no table" in text
    unset = make_content(sections=[*SECTIONS, {"cohorts": {"table": "adoption", "title": "Features"}}])
    text = flat(build_digest_messages(unset).main)
    assert "🧮 Retention cohorts: cohort analysis is not set up" in text
    assert "🧮 Features: cohort analysis is not set up" in text
    assert render_digest_charts(unset).images == {}


def test_the_heatmap_is_rendered_under_the_section_index_with_its_own_file_name() -> None:
    content = make_content(
        sections=[{"chart": {"panels": [{"title": "Users", "kpis": ["dau"]}]}}, *SECTIONS],
        cohorts={"retention": table()},
    )
    charts = render_digest_charts(content)
    assert set(charts.images) == {0, 2}
    assert charts.images[2].png.startswith(b"\x89PNG") and "Sep 2026" in charts.images[2].alt_text
    names = {chart_filename(content, i) for i in charts.images}
    assert len(names) == 2 and chart_filename(content, 2).endswith("-retention-cohorts.png")
    empty = make_content(sections=SECTIONS, cohorts={"retention": table(rows=False)})
    assert render_digest_charts(empty).problems == {1: NO_DATA_YET}


def test_collect_cohorts_reads_each_table_once_as_of_the_period_end() -> None:
    digest = make_digest(
        sections=[{"cohorts": "retention"}, {"cohorts": "retention"}, {"cohorts": "revenue"}]
    )
    period = make_content().period
    calls: list[tuple[CohortKind, date]] = []

    def source(kind: CohortKind, as_of: date) -> CohortTable:
        calls.append((kind, as_of))
        if kind is CohortKind.REVENUE:
            raise CohortDataError("revenue cohorts need a revenue column")
        return table()

    tables = collect_cohorts(digest, period, source)
    assert calls == [(CohortKind.RETENTION, period.end), (CohortKind.REVENUE, period.end)]
    assert isinstance(tables["retention"], CohortTable)
    assert tables["revenue"] == "revenue cohorts need a revenue column"
    assert collect_cohorts(digest, period, None) == {
        "retention": "cohort analysis is not set up",
        "revenue": "cohort analysis is not set up",
    }


def test_a_broken_cohort_query_does_not_sink_the_digest(caplog: pytest.LogCaptureFixture) -> None:
    digest = make_digest(sections=[{"cohorts": "retention"}])

    def broken(kind: CohortKind, as_of: date) -> CohortTable:
        raise RuntimeError("disk I/O error")

    tables = collect_cohorts(digest, make_content().period, broken)
    assert tables == {"retention": "the cohort table could not be computed"}
    assert "no retention cohort table" in caplog.text
