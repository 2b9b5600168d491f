"""Shared Block Kit pieces, each clipped to Slack's limits so a message can never be rejected for size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 3000


@dataclass(frozen=True)
class Message:
    """A message ready for chat.postMessage / respond: fallback text plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": clip(self.text, MAX_FALLBACK_TEXT), "blocks": [b.to_dict() for b in self.blocks]}


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote_typed(text: str, *, limit: int = 80) -> str:
    """What someone typed, shown back in mrkdwn as an inline code span: no mention, link or formatting
    can come of it (`*bold*` stays literal; backticks inside are swapped for a look-alike so the span
    cannot be closed early). Pass the result through `escape` (build_error does) for &, < and >."""
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + (clipped.replace("`", "ˋ").replace("\n", " ") or " ") + "`"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER), emoji=True))


def section(text: str, *, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)), accessory=accessory)


def fields(pairs: Sequence[tuple[str, str]]) -> list[SectionBlock]:
    """Label/value pairs as sections of at most 10 fields each."""
    items = [MarkdownTextObject(text=clip(f"*{label}*\n{value}", MAX_FIELD_TEXT)) for label, value in pairs]
    return [SectionBlock(fields=items[i : i + MAX_FIELDS]) for i in range(0, len(items), MAX_FIELDS)]


def context(*parts: str) -> ContextBlock:
    elements = [MarkdownTextObject(text=clip(p, MAX_SECTION_TEXT)) for p in parts if p]
    return ContextBlock(elements=elements[:MAX_CONTEXT_ELEMENTS] or [MarkdownTextObject(text=" ")])


def divider() -> DividerBlock:
    return DividerBlock()


def chart_image(file_id: str, alt_text: str, *, title: str | None = None) -> ImageBlock:
    return ImageBlock(
        slack_file={"id": file_id},
        alt_text=clip(alt_text, 2000),
        title=PlainTextObject(text=clip(title, 2000)) if title else None,
    )


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=clip(text, 75), action_id=action_id, value=value[:2000] or None, style=style)


def actions(*elements: Any, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements)[:25], block_id=block_id)


def split_messages(text: str, blocks: Sequence[Block], *, limit: int = MAX_BLOCKS) -> list[Message]:
    """Split a long list of blocks into messages of at most `limit` blocks, numbering the fallback text."""
    chunks = [list(blocks[i : i + limit]) for i in range(0, len(blocks), limit)] or [[]]
    if len(chunks) == 1:
        return [Message(text=text, blocks=chunks[0])]
    return [Message(text=f"{text} ({n}/{len(chunks)})", blocks=chunk) for n, chunk in enumerate(chunks, 1)]
