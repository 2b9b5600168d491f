"""views.publish in the emulator: Slack's view limits, hash conflicts, one Home per user."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import SlackEmulator


def section(n: int) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"line {n}"}}


def test_a_home_view_is_kept_per_user_and_replaced(emu: SlackEmulator, client: WebClient) -> None:
    ana = emu.user("ana").id
    first = client.views_publish(user_id=ana, view={"type": "home", "blocks": [section(1)]})["view"]
    second = client.views_publish(
        user_id=ana, view={"type": "home", "blocks": [section(2)]}, hash=first["hash"]
    )
    assert second["view"]["id"] == first["id"]
    assert emu.home_view("ana")["blocks"] == [section(2)]  # type: ignore[index]
    assert emu.home_view("bob") is None
    with pytest.raises(SlackApiError, match="hash_conflict"):  # published from an outdated view
        client.views_publish(user_id=ana, view={"type": "home", "blocks": []}, hash=first["hash"])


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        ({"type": "home", "blocks": [section(n) for n in range(101)]}, "no more than 100 items"),
        ({"type": "modal", "blocks": []}, "must be a home view"),
        ({"type": "home", "blocks": [], "private_metadata": "x" * 3001}, "private_metadata"),
        (
            {
                "type": "home",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
            },
            "text",
        ),
    ],
)
def test_views_beyond_slacks_limits_are_refused(
    emu: SlackEmulator, client: WebClient, view: dict[str, object], problem: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.views_publish(user_id=emu.user("ana").id, view=view)
    assert refused.value.response["error"] == "invalid_arguments"
    assert problem in " ".join(refused.value.response["response_metadata"]["messages"])


def test_fifty_to_a_hundred_blocks_are_fine_in_a_view(emu: SlackEmulator, client: WebClient) -> None:
    client.views_publish(
        user_id=emu.user("ana").id, view={"type": "home", "blocks": [section(n) for n in range(100)]}
    )


def test_unknown_user(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.views_publish(user_id="U999", view={"type": "home", "blocks": []})
