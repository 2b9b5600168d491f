"""A chart is uploaded once per viewer and data: asking again reuses the file already in the DM."""

from __future__ import annotations

from kpibot_demo.stack import SandboxStack
from tests.bot.e2e.helpers import ask


def _uploads(stack: SandboxStack) -> int:
    return len(stack.emulator.calls_to("files.getUploadURLExternal"))


def _image_id(answer: object) -> str:
    [image] = [b for b in answer.blocks if b["type"] == "image"]  # type: ignore[attr-defined]
    return str(image["slack_file"]["id"])


def test_same_viewer_same_chart_is_uploaded_once(stack: SandboxStack) -> None:
    [first] = ask(stack, "mrr")
    assert _uploads(stack) == 1
    [again] = ask(stack, "mrr", channel="kpi-daily")  # another channel, same viewer: same DM
    assert _uploads(stack) == 1
    assert _image_id(again) == _image_id(first)
    assert len(stack.emulator.calls_to("conversations.open")) == 1  # the DM id is remembered too


def test_another_viewer_or_other_data_is_uploaded_again(stack: SandboxStack) -> None:
    [dana] = ask(stack, "mrr")
    [cfo] = ask(stack, "mrr", user="cfo")
    assert _uploads(stack) == 2
    assert _image_id(dana) != _image_id(cfo)
    dm = stack.emulator.im_channel(stack.user("cfo"))
    assert dm is not None and stack.emulator.file(_image_id(cfo)).is_shared_in(dm.id)
    ask(stack, "mrr 6m")  # other data: another chart
    assert _uploads(stack) == 3
    ask(stack, "dashboard")
    ask(stack, "dashboard")
    assert _uploads(stack) == 4
