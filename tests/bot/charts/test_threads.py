"""Charts render on many threads at once: no pyplot, no shared figure state."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.charts import Panel, render_kpi_chart, render_panels
from tests.bot.charts.helpers import CHURN, CHURN_VALUES, MRR, MRR_VALUES, snapshot


def test_parallel_renders_match_sequential_renders_byte_for_byte() -> None:
    mrr, churn = snapshot(MRR, MRR_VALUES), snapshot(CHURN, CHURN_VALUES)
    jobs = [
        lambda: render_kpi_chart(mrr),
        lambda: render_kpi_chart(churn, theme="dark"),
        lambda: render_kpi_chart(mrr, theme="dark"),
        lambda: render_panels([Panel("MRR", (mrr,)), Panel("Churn", (churn,))], title="Both"),
    ]
    expected = [job().png for job in jobs]

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(jobs[i % len(jobs)]) for i in range(16)]
        results = [f.result(timeout=120).png for f in futures]

    assert results == [expected[i % len(jobs)] for i in range(16)]
    assert len(set(expected)) == len(expected)
