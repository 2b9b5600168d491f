"""The three-step upload (files.getUploadURLExternal, POST to the upload URL, files.completeUploadExternal)
and files.info. A file completed without a channel stays private: no slack_file block may show it.
"""

from __future__ import annotations

import json
import mimetypes
import secrets
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from slack_sandbox.api_common import ApiCall, Handler, parse_content
from slack_sandbox.messages import SlackFile
from slack_sandbox.state import Channel, MethodError
from slack_sandbox.workspace import Workspace

MAX_FILE_BYTES = 1024**3  # Slack's 1 GB upload limit


def get_upload_url(call: ApiCall) -> dict[str, Any]:
    filename = call.require("filename")
    try:
        length = int(call.require("length"))
    except ValueError:
        raise MethodError("invalid_arguments") from None
    if length < 1 or length > MAX_FILE_BYTES:
        raise MethodError("invalid_arguments")
    file = call.ws.new_file(name=filename, length=length, alt_txt=call.arg("alt_txt"))
    file.upload_token = secrets.token_urlsafe(16)
    mime = mimetypes.guess_type(filename)[0]
    if mime:
        file.mimetype = mime
        file.filetype = (mimetypes.guess_extension(mime) or ".bin").lstrip(".")
    return {"ok": True, "upload_url": f"{call.ws.base_url}/upload/v1/{file.upload_token}", "file_id": file.id}


def complete_upload(call: ApiCall) -> dict[str, Any]:
    try:
        requested = json.loads(call.require("files"))
    except ValueError:
        raise MethodError("invalid_arguments") from None
    if not isinstance(requested, list) or not requested or not all(isinstance(f, dict) for f in requested):
        raise MethodError("invalid_arguments")
    files: list[SlackFile] = []
    for item in requested:
        file = call.ws.files.get(str(item.get("id")))
        if file is None or file.content is None:
            raise MethodError("file_not_found")
        files.append(file)
    targets = _targets(call)
    thread_ts = call.arg("thread_ts")
    if thread_ts is not None and len(targets) != 1:
        raise MethodError("invalid_arguments")
    contents = [
        parse_content(
            {"text": call.args.get("initial_comment"), "blocks": call.args.get("blocks")},
            ws=call.ws,
            channel=channel,
            warnings=[],
            required=False,
        )
        for channel in targets
    ]
    for file, item in zip(files, requested, strict=True):
        if item.get("title"):
            file.title = str(item["title"])
        file.completed = True
        call.ws.emit("file_uploaded", user=file.user, data={"file": file.id, "name": file.name})
    for channel, content in zip(targets, contents, strict=True):
        message = call.ws.post_message(
            channel,
            text=content.text or "",
            blocks=content.blocks,
            thread_ts=thread_ts,
            files=[f.id for f in files],
            via="files.completeUploadExternal",
        )
        for file in files:
            call.ws.share_file(file, channel, message.ts)
    # Slack answers with ids and titles only; the shares appear on the file (files.info) afterwards.
    return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in files]}


def _targets(call: ApiCall) -> list[Channel]:
    refs = [call.arg("channel_id"), *(call.arg("channels") or "").split(",")]
    return [
        call.channel_for_posting(ref.strip()) for ref in dict.fromkeys(r for r in refs if r and r.strip())
    ]


def files_info(call: ApiCall) -> dict[str, Any]:
    file = call.ws.files.get(call.require("file", "file_not_found"))
    if file is None or not file.completed:
        raise MethodError("file_not_found")
    return {"ok": True, "file": file.to_dict(base_url=call.ws.base_url)}


def receive_upload(
    workspaces: list[Workspace], token: str, body: bytes, content_type: str
) -> tuple[int, str]:
    """The POST to an upload URL: raw bytes (what slack_sdk sends) or a multipart form with one file."""
    for ws in workspaces:
        for file in ws.files.values():
            if file.upload_token is not None and secrets.compare_digest(file.upload_token, token):
                data = _multipart_file(body, content_type) if content_type.startswith("multipart/") else body
                if data is None:
                    return 400, "no file part in the form"
                file.content = data
                file.upload_token = None  # an upload URL works once
                return 200, f"OK - {len(data)}"
    return 404, "upload URL not found or already used"


def _multipart_file(body: bytes, content_type: str) -> bytes | None:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and (
            part.get_filename() or part.get_param("name", header="content-disposition") == "file"
        ):
            return payload
    return None


METHODS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": files_info,
}
