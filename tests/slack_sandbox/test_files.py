"""The three-step upload through WebClient.files_upload_v2, file serving, and slack_file visibility."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_sandbox import SlackEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def image_block(file_id: str) -> dict:
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": "MRR over 12 months"}


def test_upload_v2_into_a_channel(emu: SlackEmulator, client: WebClient) -> None:
    general = emu.channel("general")
    reply = client.files_upload_v2(
        channel=general.id,
        content=PNG,
        filename="mrr.png",
        title="MRR",
        alt_txt="MRR chart",
        initial_comment="Here is MRR",
    )
    file_id = reply["file"]["id"]
    assert reply["files"] == [{"id": file_id, "title": "MRR"}]
    assert [c.method for c in emu.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    [message] = emu.messages("general")
    assert message.text == "Here is MRR" and message.files == [file_id]
    stored = emu.file(file_id)
    assert (stored.content, stored.mimetype, stored.alt_txt, stored.title) == (
        PNG,
        "image/png",
        "MRR chart",
        "MRR",
    )
    info = client.files_info(file=file_id)["file"]
    assert info["shares"]["public"][general.id][0]["ts"] == message.ts
    assert info["url_private"] == emu.file_url(file_id) and info["size"] == len(PNG)
    with urllib.request.urlopen(emu.file_url(file_id)) as served:  # what an <img> on the demo page loads
        assert served.read() == PNG and served.headers["Content-Type"] == "image/png"
    # Shared here, so a slack_file block may show it here, but not in another channel.
    assert client.chat_postMessage(channel="general", text="chart", blocks=[image_block(file_id)])["ok"]
    with pytest.raises(SlackApiError) as info_err:
        client.chat_postMessage(channel="kpi-daily", text="chart", blocks=[image_block(file_id)])
    assert info_err.value.response["error"] == "invalid_blocks"


def test_upload_without_channel_stays_private(emu: SlackEmulator, client: WebClient) -> None:
    file_id = client.files_upload_v2(content=PNG, filename="mrr.png")["file"]["id"]
    assert emu.messages("general") == []
    assert emu.file(file_id).shares == {} and client.files_info(file=file_id)["file"]["is_public"] is False
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="general", text="chart", blocks=[image_block(file_id)])
    body = info.value.response.data
    assert body["error"] == "invalid_blocks"
    assert f"file {file_id} is not shared in channel" in body["errors"][0]
    # By URL as well as by id.
    by_url = {"type": "image", "slack_file": {"url": emu.file_url(file_id)}, "alt_text": "c"}
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="general", text="chart", blocks=[by_url])


def test_upload_into_a_thread_and_errors(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="card")
    client.files_upload_v2(channel=parent["channel"], thread_ts=parent["ts"], content=PNG, filename="c.png")
    [top] = emu.messages("general")
    assert top.replies[0].files and top.replies[0].thread_ts == parent["ts"]
    with pytest.raises(SlackApiError) as info:
        client.files_upload_v2(channel=emu.channel("outside").id, content=PNG, filename="c.png")
    assert info.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as info:
        client.files_completeUploadExternal(files=[{"id": "F404"}])
    assert info.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as info:
        client.files_info(file="F404")
    assert info.value.response["error"] == "file_not_found"


def test_upload_url_works_once_and_needs_the_bytes(emu: SlackEmulator, client: WebClient) -> None:
    step1 = client.files_getUploadURLExternal(filename="a.png", length=3)
    url = step1["upload_url"]
    assert url.startswith(emu.base_url)
    with pytest.raises(SlackApiError) as info:  # completing before uploading
        client.files_completeUploadExternal(files=[{"id": step1["file_id"]}])
    assert info.value.response["error"] == "file_not_found"
    with urllib.request.urlopen(urllib.request.Request(url, data=b"abc", method="POST")) as reply:
        assert reply.status == 200
    with pytest.raises(urllib.error.HTTPError) as http_error:
        urllib.request.urlopen(urllib.request.Request(url, data=b"abc", method="POST"))
    assert http_error.value.code == 404
    assert client.files_completeUploadExternal(files=[{"id": step1["file_id"], "title": "A"}])["ok"]
    with pytest.raises(SlackApiError) as info:
        client.files_getUploadURLExternal(filename="a.png", length=0)
    assert info.value.response["error"] == "invalid_arguments"


def test_multipart_upload_is_accepted(emu: SlackEmulator, client: WebClient) -> None:
    step1 = client.files_getUploadURLExternal(filename="a.txt", length=5)
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nhello\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        step1["upload_url"], data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    urllib.request.urlopen(request).close()
    assert emu.file(step1["file_id"]).content == b"hello"


def test_an_ephemeral_may_show_a_file_its_viewer_can_see(emu: SlackEmulator, client: WebClient) -> None:
    """A chart shared into Ana's DM with the bot can illustrate an ephemeral message to Ana in #general,
    but not one to Bob, nor a message everyone in #general sees."""
    ana, bob = emu.user("ana").id, emu.user("bob").id
    dm = client.conversations_open(users=ana)["channel"]["id"]
    file_id = client.files_upload_v2(content=PNG, filename="mrr.png", channel=dm)["file"]["id"]
    client.chat_postEphemeral(channel="general", user=ana, text="MRR", blocks=[image_block(file_id)])
    assert emu.ephemerals(ana)[-1].blocks[0]["slack_file"]["id"] == file_id
    for post in (
        lambda: client.chat_postEphemeral(
            channel="general", user=bob, text="MRR", blocks=[image_block(file_id)]
        ),
        lambda: client.chat_postMessage(channel="general", text="MRR", blocks=[image_block(file_id)]),
    ):
        with pytest.raises(SlackApiError) as info:
            post()
        assert info.value.response["error"] == "invalid_blocks"
