"""A self-contained, Slack-like HTML rendering of Block Kit messages (for `kpibot digest preview`).

    html = render_preview(messages, images={"F0PREVIEW1": png_bytes}, title="Weekly business review")

Covers what kpibot posts: header, section (text and fields), context, divider, image (slack_file ids are
looked up in `images` and inlined as data URIs) and actions. Mrkdwn: *bold*, _italic_, ~strike~, `code`,
<url|links>, <@U…> mentions, newlines. Sized like Slack's mobile app when viewed at a phone's width.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

_LINK = re.compile(r"(<[^<>\n]+>)")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_RAW_AMP = re.compile(r"&(?!amp;|lt;|gt;|quot;|#\d+;)")

STYLE = """
body{margin:0;background:#fff;color:#1d1c1d;font:15px/1.46 -apple-system,"Segoe UI","Noto Sans",
 "DejaVu Sans",Helvetica,Arial,sans-serif,"Noto Color Emoji";-webkit-text-size-adjust:100%}
.channel{padding:10px 14px;border-bottom:1px solid #e8e8e8;font-weight:700;font-size:16px}
.msg{display:flex;gap:8px;padding:10px 12px}
.avatar{flex:0 0 36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;display:flex;
 align-items:center;justify-content:center;font-weight:700}
.body{flex:1;min-width:0}
.who{font-weight:900}.app{font-size:10px;background:#e8e8e8;color:#616061;border-radius:3px;padding:1px 3px;
 margin:0 4px;font-weight:700;vertical-align:2px}.when{color:#616061;font-size:12px}
.h{font-size:18px;font-weight:900;line-height:1.33;margin:6px 0 4px}
.s{margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 12px;margin:6px 0}
.ctx{color:#616061;font-size:12px;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 8px}
hr{border:0;border-top:1px solid #dddddd;margin:10px 0}
.img figcaption{color:#616061;font-size:13px;margin:4px 0}
.img img{max-width:100%;height:auto;border-radius:8px;border:1px solid #e8e8e8;display:block}
.img .missing{padding:30px;background:#f4f4f4;color:#616061;border-radius:8px;text-align:center}
code{font:12px Menlo,"DejaVu Sans Mono",monospace;color:#e01e5a;background:#f6f6f6;
 border:1px solid #e8e8e8;border-radius:3px;padding:0 3px}
.btn{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 10px;margin:4px 4px 0 0;
 font-weight:700;font-size:13px}.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.thread{margin:2px 0 0 56px;border-left:2px solid #e8e8e8;padding-left:4px}
.thread-note{color:#1264a3;font-weight:700;font-size:13px;margin:0 0 0 56px}
a{color:#1264a3;text-decoration:none}
"""


def mrkdwn_to_html(text: str) -> str:
    """Slack mrkdwn as HTML (the input's &amp; &lt; &gt; entities are kept)."""
    out: list[str] = []
    for part in _LINK.split(text):
        if _LINK.fullmatch(part):
            out.append(_link(part[1:-1]))
            continue
        part = _RAW_AMP.sub("&amp;", part).replace('"', "&quot;")
        part = _CODE.sub(r"<code>\1</code>", part)
        part = _BOLD.sub(r"<b>\1</b>", part)
        part = _ITALIC.sub(r"<i>\1</i>", part)
        part = _STRIKE.sub(r"<s>\1</s>", part)
        out.append(part.replace("\n", "<br>"))
    return "".join(out)


def _link(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f'<span class="mention">@{html.escape(label or target[1:])}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{html.escape(label or target[1:])}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(label or target[1:].split("^")[0])}</span>'
    return f'<a href="{html.escape(target)}">{html.escape(label or target)}</a>'


def _text(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn_to_html(raw) if obj.get("type") == "mrkdwn" else html.escape(raw)


def render_block(block: Mapping[str, Any], *, images: Mapping[str, bytes]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="h">{_text(block.get("text"))}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "context":
        items = "".join(f"<span>{_text(e)}</span>" for e in block.get("elements", []) if "text" in e)
        return f'<div class="ctx">{items}</div>'
    if kind == "section":
        parts = []
        if block.get("text"):
            parts.append(f'<div class="s">{_text(block["text"])}</div>')
        if block.get("fields"):
            cells = "".join(f'<div class="s">{_text(f)}</div>' for f in block["fields"])
            parts.append(f'<div class="fields">{cells}</div>')
        return "".join(parts)
    if kind == "image":
        caption = f"<figcaption>{_text(block.get('title'))}</figcaption>" if block.get("title") else ""
        file_id = (block.get("slack_file") or {}).get("id", "")
        alt = html.escape(str(block.get("alt_text", "")))
        if file_id in images:
            data = base64.b64encode(images[file_id]).decode()
            picture = f'<img src="data:image/png;base64,{data}" alt="{alt}">'
        elif block.get("image_url"):
            picture = f'<img src="{html.escape(block["image_url"])}" alt="{alt}">'
        else:
            picture = f'<div class="missing">{alt or "image"}</div>'
        return f'<figure class="img" style="margin:6px 0">{caption}{picture}</figure>'
    if kind == "actions":
        buttons = "".join(
            f'<span class="btn {e.get("style", "")}">{_text(e.get("text"))}</span>'
            for e in block.get("elements", [])
        )
        return f"<div>{buttons}</div>"
    return f'<div class="ctx">[{html.escape(str(kind))} block]</div>'


def render_message(message: Mapping[str, Any], *, images: Mapping[str, bytes], when: str = "") -> str:
    blocks = message.get("blocks") or []
    inner = "".join(render_block(b, images=images) for b in blocks) or mrkdwn_to_html(message.get("text", ""))
    return (
        '<div class="msg"><div class="avatar">K</div><div class="body">'
        f'<div><span class="who">kpibot</span><span class="app">APP</span>'
        f'<span class="when">{html.escape(when)}</span></div>{inner}</div></div>'
    )


def render_preview(
    messages: Sequence[Mapping[str, Any]],
    *,
    images: Mapping[str, bytes],
    title: str,
    channel: str = "",
    when: str = "",
) -> str:
    """A whole page: the channel name, the first message, then its thread replies (if any)."""
    main, *replies = messages
    body = [f'<div class="channel">{html.escape(channel or title)}</div>']
    body.append(render_message(main, images=images, when=when))
    if replies:
        count = len(replies)
        body.append(f'<div class="thread-note">{count} repl{"y" if count == 1 else "ies"}</div>')
        body.append('<div class="thread">')
        body.extend(render_message(r, images=images, when=when) for r in replies)
        body.append("</div>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )
