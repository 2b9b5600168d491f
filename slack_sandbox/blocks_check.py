"""Block Kit validation the way Slack's servers do it: `invalid_blocks` with one message per problem.

Each block goes through `slack_sdk.models.blocks.Block.parse(...).to_dict()` (its own validators, applied
recursively), then through the explicit limit checks below, because the SDK model is lenient in places
(it accepts empty text, a missing image source, too many fields in nested objects...). Messages carry
Slack's `[json-pointer:/blocks/0/text/text]` suffix.

>>> check_blocks([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}])
['must be plain_text [json-pointer:/blocks/0/text/type]']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from slack_sandbox.state import MethodError

MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
MAX_FIELDS = 10
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
ID_LENGTH = 255
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
URL_LENGTH = 3000
ALT_TEXT = 2000
INTERACTIVE = {
    "button",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "overflow",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "workflow_button",
    "rich_text_input",
    "plain_text_input",
}

# (file reference, json pointer) -> error message or None; decides whether a slack_file may be shown here
FileCheck = Callable[[dict[str, Any], str], str | None]


def _block_types() -> frozenset[str]:
    found: set[str] = set()
    stack = list(Block.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        kind = getattr(cls, "type", None)
        if isinstance(kind, str):
            found.add(kind)
    return frozenset(found)


BLOCK_TYPES = _block_types()  # every block type this slack_sdk version models


def parse_object_list(value: Any, *, error: str) -> list[dict[str, Any]] | None:
    """A list-of-objects argument as sent: a JSON string (form bodies) or a list (JSON bodies)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise MethodError(error) from None
    if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
        raise MethodError(error)
    return value


def parse_blocks_arg(value: Any) -> list[dict[str, Any]] | None:
    """The `blocks` argument as sent."""
    return parse_object_list(value, error="invalid_blocks_format")


def validate_blocks(blocks: list[dict[str, Any]], *, file_check: FileCheck | None = None) -> None:
    """Raise Slack's `invalid_blocks` error (with `errors` and `response_metadata`) if any check fails."""
    errors = check_blocks(blocks, file_check=file_check)
    if errors:
        raise MethodError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )


def check_blocks(blocks: list[dict[str, Any]], *, file_check: FileCheck | None = None) -> list[str]:
    """Every problem Slack would report for these blocks, in order; empty when the blocks are valid."""
    errors: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        pointer = f"/blocks/{index}"
        checker = _Checker(pointer, file_check)
        checker.block(block)
        # The explicit checks name the exact field; the SDK's validators catch what they do not cover.
        errors.extend(checker.errors or _check_with_sdk(block, pointer))
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_ids:
                errors.append(f"duplicate block_id {block_id!r} [json-pointer:{pointer}/block_id]")
            seen_ids.add(block_id)
    return errors


def _check_with_sdk(block: dict[str, Any], pointer: str) -> list[str]:
    if block.get("type") not in BLOCK_TYPES:
        return [f"unsupported type: {block.get('type')!r} [json-pointer:{pointer}/type]"]
    try:
        parsed = Block.parse(block)
        if parsed is not None:
            parsed.to_dict()  # runs the SDK's validators on the block and every nested object
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        return [f"{exc} [json-pointer:{pointer}]"]
    return []


class _Checker:
    """Walks one block's raw JSON, collecting Slack's limit violations."""

    def __init__(self, pointer: str, file_check: FileCheck | None) -> None:
        self.root = pointer
        self.file_check = file_check
        self.errors: list[str] = []

    def fail(self, message: str, path: str) -> None:
        self.errors.append(f"{message} [json-pointer:{path}]")

    def block(self, block: dict[str, Any]) -> None:
        p = self.root
        self.length(block.get("block_id"), ID_LENGTH, f"{p}/block_id")
        kind = block.get("type")
        if kind == "section":
            if block.get("text") is None and not block.get("fields"):
                self.fail("must provide text or fields", p)
            if block.get("text") is not None:
                self.text(block["text"], SECTION_TEXT, f"{p}/text")
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS:
                self.fail(f"no more than {MAX_FIELDS} items allowed", f"{p}/fields")
            for i, item in enumerate(fields):
                self.text(item, FIELD_TEXT, f"{p}/fields/{i}")
            if isinstance(block.get("accessory"), dict):
                self.element(block["accessory"], f"{p}/accessory")
        elif kind == "header":
            self.text(block.get("text"), HEADER_TEXT, f"{p}/text", plain_only=True)
        elif kind == "image":
            self.image(block, p)
            if block.get("title") is not None:
                self.text(block["title"], ALT_TEXT, f"{p}/title", plain_only=True)
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements:
                self.fail("must provide at least 1 item", f"{p}/elements")
            if len(elements) > CONTEXT_ELEMENTS:
                self.fail(f"no more than {CONTEXT_ELEMENTS} items allowed", f"{p}/elements")
            for i, item in enumerate(elements):
                path = f"{p}/elements/{i}"
                if isinstance(item, dict) and item.get("type") == "image":
                    self.image(item, path)
                else:
                    self.text(item, SECTION_TEXT, path)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements:
                self.fail("must provide at least 1 item", f"{p}/elements")
            if len(elements) > ACTIONS_ELEMENTS:
                self.fail(f"no more than {ACTIONS_ELEMENTS} items allowed", f"{p}/elements")
            for i, item in enumerate(elements):
                self.element(item, f"{p}/elements/{i}")

    def text(self, obj: Any, limit: int, path: str, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail("must be a text object", path)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.fail(f"must be {' or '.join(allowed)}", f"{path}/type")
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.fail("must be more than 0 characters", f"{path}/text")
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", f"{path}/text")

    def length(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", path)

    def image(self, obj: dict[str, Any], path: str) -> None:
        alt = obj.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.fail("alt_text is required and must be more than 0 characters", f"{path}/alt_text")
        else:
            self.length(alt, ALT_TEXT, f"{path}/alt_text")
        url, slack_file = obj.get("image_url"), obj.get("slack_file")
        if (url is None) == (slack_file is None):
            self.fail("must provide exactly one of image_url or slack_file", path)
        if url is not None:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                self.fail("must be a valid http(s) URL", f"{path}/image_url")
            self.length(url, URL_LENGTH, f"{path}/image_url")
        if slack_file is not None:
            if not isinstance(slack_file, dict) or not (slack_file.get("id") or slack_file.get("url")):
                self.fail("slack_file must have an id or a url", f"{path}/slack_file")
            elif self.file_check is not None:
                problem = self.file_check(slack_file, f"{path}/slack_file")
                if problem:
                    self.fail(problem, f"{path}/slack_file")

    def element(self, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            self.fail("must be an object", path)
            return
        kind = obj.get("type")
        if kind == "image":
            self.image(obj, path)
            return
        if kind not in INTERACTIVE:
            self.fail(f"unsupported type: {kind!r}", f"{path}/type")
            return
        self.length(obj.get("action_id"), ID_LENGTH, f"{path}/action_id")
        if kind == "button":
            self.text(obj.get("text"), BUTTON_TEXT, f"{path}/text", plain_only=True)
            self.length(obj.get("value"), BUTTON_VALUE, f"{path}/value")
            self.length(obj.get("url"), URL_LENGTH, f"{path}/url")
            if obj.get("style") not in (None, "primary", "danger"):
                self.fail("must be primary or danger", f"{path}/style")
        options = obj.get("options")
        if isinstance(options, list):
            limit = 5 if kind == "overflow" else 100
            if len(options) > limit:
                self.fail(f"no more than {limit} items allowed", f"{path}/options")
            for i, option in enumerate(options):
                self.option(option, f"{path}/options/{i}")
        for g, group in enumerate(obj.get("option_groups") or []):
            for i, option in enumerate(group.get("options") or [] if isinstance(group, dict) else []):
                self.option(option, f"{path}/option_groups/{g}/options/{i}")

    def option(self, option: Any, path: str) -> None:
        if not isinstance(option, dict):
            self.fail("must be an option object", path)
            return
        self.text(option.get("text"), OPTION_TEXT, f"{path}/text")
        value = option.get("value")
        if not isinstance(value, str) or not value:
            self.fail("must be more than 0 characters", f"{path}/value")
        else:
            self.length(value, OPTION_VALUE, f"{path}/value")
