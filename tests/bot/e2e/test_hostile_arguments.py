"""Whatever people type after `/kpi` comes back escaped: no reply can ping a channel, a user or a
group, open a link or take over the formatting. Through the real path: signed slash commands into the
Bolt app on a real port, replies read from the emulator."""

from __future__ import annotations

import json

import pytest

from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import ask, assert_valid_message

HOSTILE = {
    "broadcast": "<!channel> <!here> <!everyone>",
    "user mention": "<@U0HOSTILE1>",
    "short user id": "<@U0CEO>",
    "group mention": "<!subteam^S0HOSTILE|@finance>",
    "link": "<https://evil.example/login|Click to verify>",
    "markup": "*bold* _italic_ ~strike~ `code` ```block``` &amp; &lt;!channel&gt;",
}
FORMS = ["{}", "info {}", "list {}", "{} 6m", "mrr {}", "ack {}", "alerts {}"]
# What an unescaped payload would look like inside a reply's mrkdwn.
LEAKS = ("<!channel", "<!here", "<!everyone", "<@U0HOSTILE1", "<@U0CEO", "<!subteam", "<https://evil")


def replies_to(stack: SandboxStack, text: str) -> str:
    answers = ask(stack, text)
    for answer in answers:
        assert_valid_message(answer)
    return json.dumps([{"text": a.text, "blocks": a.blocks} for a in answers], ensure_ascii=False)


@pytest.mark.parametrize("form", FORMS)
def test_hostile_arguments_come_back_escaped(stack: SandboxStack, form: str) -> None:
    for name, payload in HOSTILE.items():
        reply = replies_to(stack, form.format(payload))
        leaked = [leak for leak in LEAKS if leak in reply]
        assert leaked == [], f"{name} in {form!r} came back unescaped: {reply[:600]}"
        assert all(inside_code(text, "*bold*") for text in mrkdwn_of(reply)), reply[:600]


def mrkdwn_of(reply: str) -> list[str]:
    """The mrkdwn texts of the blocks of a reply (JSON from `replies_to`)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(reply))
    return found


def inside_code(text: str, word: str) -> bool:
    """Every occurrence of `word` sits inside an inline code span, where Slack applies no formatting."""
    start = text.find(word)
    while start != -1:
        if text[:start].count("`") % 2 == 0:
            return False
        start = text.find(word, start + 1)
    return True
