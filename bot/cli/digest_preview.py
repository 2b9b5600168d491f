"""`kpibot digest preview`: a digest as the Block Kit JSON, the chart PNGs and an HTML page, without posting.

files = write_preview(digest, Path("digest-preview"))
files.json, files.html, files.charts
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.blocks.digest import ChartSlot, build_digest_messages
from bot.blocks.digest_text import local_time
from bot.charts import ChartCache
from bot.cli.digest_html import render_preview
from bot.digest_charts import chart_filename, render_digest_charts
from kpi_core.digests.content import Digest

PREVIEW_FILE_ID = "F0PREVIEW{index}"  # stands in for the id Slack gives an uploaded chart


@dataclass(frozen=True)
class PreviewFiles:
    json: Path
    html: Path
    charts: tuple[Path, ...]
    problems: tuple[str, ...]  # charts that could not be drawn, and why


def write_preview(digest: Digest, out: Path, *, cache: ChartCache | None = None) -> PreviewFiles:
    """Write `<name>-<period>.json`, `.html` and one PNG per chart section into `out` (created)."""
    out.mkdir(parents=True, exist_ok=True)
    charts = render_digest_charts(digest, cache=cache)
    slots: dict[int, ChartSlot] = {index: ChartSlot(note=note) for index, note in charts.problems.items()}
    images: dict[str, bytes] = {}
    files: dict[str, str] = {}
    written: list[Path] = []
    for index, image in charts.images.items():
        file_id = PREVIEW_FILE_ID.format(index=index)
        path = out / chart_filename(digest, index)
        path.write_bytes(image.png)
        written.append(path)
        images[file_id], files[file_id] = image.png, path.name
        slots[index] = ChartSlot(file_id=file_id, alt_text=image.alt_text)
    messages = build_digest_messages(digest, charts=slots)
    dumped = [message.as_kwargs() for message in messages.all]
    base = out / f"{digest.name}-{digest.period.key}"
    payload = {
        "digest": digest.name,
        "period": digest.period.key,
        "channels": list(digest.channels),
        "message": dumped[0],
        "thread": dumped[1:],
        "files": files,  # the slack_file ids above, and the PNG each stands for
    }
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path = base.with_suffix(".html")
    page = render_preview(
        dumped,
        images=images,
        title=digest.fallback_text,
        channel=", ".join(digest.channels),
        when=local_time(digest.header.scheduled_for, digest.header.timezone),
    )
    html_path.write_text(page, encoding="utf-8")
    problems = tuple(f"{chart_filename(digest, i)}: {note}" for i, note in charts.problems.items())
    return PreviewFiles(json_path, html_path, tuple(written), problems)
