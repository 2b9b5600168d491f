"""The page's JSON: the workspace (people, channels, digests, KPIs) and one conversation's timeline.

Messages are the emulator's Slack JSON, as a Slack client receives them. Only file URLs change: they
point at the page's own `/files/<id>/<name>`, and every `slack_file` an image block references is listed
in `files` so the page can show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from kpi_core.format import format_kpi_value
from kpibot_demo.controller import DemoController
from kpibot_demo.workspace import channel_about
from slack_sandbox import EmulatorError, SlackFile


def file_path(file: SlackFile) -> str:
    return f"/files/{file.id}/{quote(file.name)}"


def state_view(controller: DemoController) -> dict[str, Any]:
    """Everything the page needs once: who is who, the channels, the tour's digests and KPIs, the time."""
    emulator, config = controller.emulator, controller.stack.runtime.config
    owners: dict[str, list[str]] = {}
    for kpi in config.kpis.values():
        for owner in kpi.owners:
            owners.setdefault(owner.lower(), []).append(kpi.name)
    users = [
        {
            "id": u.id,
            "name": u.name,
            "real_name": u.real_name,
            "email": u.email,
            "is_bot": u.is_bot,
            "owns": owners.get((u.email or "").lower(), []),
        }
        for u in emulator.users()
    ]
    return {
        "workspace": emulator.workspace.name,
        "bot_user_id": emulator.bot_user_id,
        "now": controller.now().isoformat(),
        "users": users,
        "channels": channels_view(controller),
        "digests": [
            {"name": d.name, "title": d.title or d.name.title(), "schedule": d.schedule, "tz": d.timezone}
            for d in config.digests.enabled()
        ],
        "kpis": [kpi_view(controller, key) for key in config.kpis],
        "background": controller.background is not None,
    }


def channels_view(controller: DemoController) -> list[dict[str, Any]]:
    about = channel_about(controller.stack.runtime.config)
    out = []
    for channel in controller.emulator.channels():
        if channel.is_archived:
            continue
        out.append(
            {
                "id": channel.id,
                "name": channel.name,
                "kind": channel.kind,
                "im_user": channel.im_user,
                "members": list(channel.members),
                "about": about.get(channel.name, "") if channel.kind != "im" else "",
            }
        )
    return out


def kpi_view(controller: DemoController, key: str) -> dict[str, Any]:
    """A KPI for the "Record a value" picker: its unit, and the thresholds that would fire an alert."""
    kpi = controller.stack.runtime.config.kpis[key]
    thresholds = kpi.thresholds
    return {
        "key": kpi.key,
        "name": kpi.name,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "grain": kpi.grain,
        "warning": format_kpi_value(kpi, thresholds.warning) if thresholds.warning is not None else None,
        "critical": format_kpi_value(kpi, thresholds.critical) if thresholds.critical is not None else None,
    }


def timeline_view(controller: DemoController, *, channel: str, viewer: str | None) -> dict[str, Any]:
    """What `viewer` sees in `channel`: messages with replies and the viewer's ephemerals, plus files."""
    emulator = controller.emulator
    messages = emulator.timeline(channel, viewer=viewer)
    files: dict[str, dict[str, Any]] = {}
    for message in messages:
        for item in (message, *message.get("replies", [])):
            for file in item.get("files", []):
                _rewrite_file(file)
            for file_id in _slack_file_ids(item.get("blocks", [])):
                files.setdefault(file_id, _file_entry(controller, file_id))
    return {"channel": emulator.channel(channel).id, "messages": messages, "files": files}


def _rewrite_file(file: dict[str, Any]) -> None:
    path = f"/files/{file['id']}/{quote(file['name'])}"
    file["url_private"] = file["permalink"] = path
    file["url_private_download"] = f"{path}?download=1"


def _file_entry(controller: DemoController, file_id: str) -> dict[str, Any]:
    try:
        file = controller.emulator.file(file_id)
    except EmulatorError:
        return {"id": file_id, "url": None}
    ready = file.completed and file.content is not None
    return {"id": file_id, "url": file_path(file) if ready else None, "name": file.name, "alt": file.alt_txt}


def _slack_file_ids(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("slack_file")
        if isinstance(ref, dict) and isinstance(ref.get("id"), str):
            yield ref["id"]
        for value in node.values():
            yield from _slack_file_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _slack_file_ids(value)
