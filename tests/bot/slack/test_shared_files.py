from __future__ import annotations

from bot.slack.shared_files import SharedFiles


def test_reuses_by_key_and_channel_and_forgets_failures() -> None:
    files = SharedFiles(max_entries=2)
    ids = iter(["F1", None, "F2", "F3", "F4"])
    upload = lambda: next(ids)  # noqa: E731
    assert files.share("mrr", channel="D1", upload=upload) == "F1"
    assert files.share("mrr", channel="D1", upload=upload) == "F1"
    assert files.share("mrr", channel="D2", upload=upload) is None  # failed: not remembered
    assert files.share("mrr", channel="D2", upload=upload) == "F2"
    assert files.uploads == 3
    assert files.share("arr", channel="D1", upload=upload) == "F3"  # evicts the oldest (mrr, D1)
    assert len(files) == 2
    assert files.share("mrr", channel="D1", upload=upload) == "F4"
    files.forget("F4")
    assert len(files) == 1
