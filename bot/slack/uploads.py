"""Chart uploads with files_upload_v2, shared into the conversation the message goes to."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from bot.blocks.primitives import Message
from bot.charts import ChartImage
from bot.slack.errors import classify

log = logging.getLogger(__name__)


def share_chart(
    client: WebClient, chart: ChartImage, *, channel: str, thread_ts: str | None = None
) -> str | None:
    """Upload `chart` into `channel` and return its file id, or None if the upload failed.

    A file uploaded without a channel stays private to the bot and `slack_file` blocks that reference it
    are rejected with `invalid_blocks`, so the file is always shared into the conversation. A failed upload
    never stops the message: the caller posts it without the image.
    """
    try:
        response = client.files_upload_v2(
            content=chart.png,
            filename=chart.filename,
            title=chart.alt_text[:250],
            alt_txt=chart.alt_text[:1000],
            channel=channel,
            thread_ts=thread_ts,
        )
    except Exception as error:  # the message goes out without its image
        log.warning("chart upload to %s failed: %s", channel, classify(error, method="files_upload_v2"))
        return None
    file = response.get("file") or (response.get("files") or [{}])[0]
    file_id = file.get("id") if isinstance(file, dict) else None
    return str(file_id) if file_id else None


def post_with_chart(
    client: WebClient,
    *,
    channel: str,
    build: Callable[[str | None], Message],
    chart: ChartImage | None,
    thread_ts: str | None = None,
) -> str:
    """Post a message everyone in `channel` sees, with its chart, and return the message ts.

    The message goes out first, without the image, so it is never lost because of its chart. The chart is
    then shared into the message's own thread (sharing it into the channel itself would show it twice) and
    the message is updated to show it. `build(file_id)` lays the message out with or without the image.
    """
    response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **build(None).as_kwargs())
    ts = str(response["ts"])
    channel_id = str(response.get("channel") or channel)
    if chart is None:
        return ts
    file_id = share_chart(client, chart, channel=channel_id, thread_ts=thread_ts or ts)
    if file_id is not None:
        try:
            client.chat_update(channel=channel_id, ts=ts, **build(file_id).as_kwargs())
        except Exception as error:  # the message stands without its image
            log.warning("could not add the chart to %s/%s: %s", channel_id, ts, classify(error))
    return ts
