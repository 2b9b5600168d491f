"""A digest with two images (the trend chart and a cohort heatmap) through the poster's recorded upload
steps: each image is uploaded once and shown once, also when the heatmap upload's answer is lost, or when
its upload failed and the run was cut off before the edit."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from bot.digests import DigestPostError, SlackDigestPoster
from kpi_core.digests.content import Digest
from scheduling.ledger import PostProgress
from slack_sandbox import SlackEmulator
from tests.bot.digests.factories import make_content
from tests.bot.digests.test_cohort_section import table
from tests.bot.digests.test_poster_unknown import LATE, Progress, chart_shares, client, emu, replace_attempt

__all__ = ["client", "emu"]  # the emulator and client fixtures
SECTIONS: list[Any] = [
    {"headline": ["mrr"]},
    {"chart": {"title": "Trends", "panels": [{"title": "Users", "kpis": ["dau"]}]}},
    {"cohorts": "retention"},
]


def two_images() -> Digest:
    return make_content(sections=SECTIONS, cohorts={"retention": table()})


def shown(emu: SlackEmulator) -> dict[str, str]:
    [message] = emu.messages("kpi-daily")
    return {b["title"]["text"]: b["slack_file"]["id"] for b in message.blocks if b["type"] == "image"}


def test_both_images_are_uploaded_once_and_shown(emu: SlackEmulator, client: WebClient) -> None:
    progress = Progress()
    final = SlackDigestPoster(client)(
        two_images(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress
    )
    images = shown(emu)
    assert set(images) == {"📈 Trends", "🧮 Retention cohorts"}
    assert sorted(chart_shares(emu)) == sorted(images.values())
    assert dict(final.charts) == {1: images["📈 Trends"], 2: images["🧮 Retention cohorts"]}
    assert final.done and final.charts_attached


def test_a_heatmap_upload_whose_answer_was_lost_is_adopted(emu: SlackEmulator, client: WebClient) -> None:
    emu.inject_fault("files.completeUploadExternal", "late", hold=LATE, processed=True, after=1)
    final = SlackDigestPoster(client, ops_channel="#kpi-ops")(
        two_images(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=Progress()
    )
    assert final.charts_attached and sorted(chart_shares(emu)) == sorted(shown(emu).values())
    assert len(shown(emu)) == 2 and emu.messages("kpi-ops") == []


def test_a_failed_heatmap_upload_is_retried_by_the_resumed_run_and_the_chart_is_not(
    emu: SlackEmulator, client: WebClient
) -> None:
    emu.inject_fault("files.getUploadURLExternal", "channel_not_found", after=1)  # the heatmap's upload
    emu.inject_fault("chat.update", "reset", processed=False)
    poster, progress = SlackDigestPoster(client), Progress()
    with pytest.raises(DigestPostError):
        poster(two_images(), channel="#kpi-daily", resume=PostProgress("#kpi-daily"), on_progress=progress)
    assert [index for index, _ in progress.last.charts] == [1]  # the trend chart is recorded
    final = poster(
        two_images(), channel="#kpi-daily", resume=replace_attempt(progress.last), on_progress=progress
    )
    assert final.charts_attached and len(shown(emu)) == 2
    assert sorted(chart_shares(emu)) == sorted(shown(emu).values())
    assert len(emu.calls_to("files.completeUploadExternal")) == 2  # one per image, none twice
