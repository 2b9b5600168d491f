"""Run one real `kpibot` command in this process, and SIGKILL the process at a planned step boundary.

    KPIBOT_CRASH_PLAN='{"step": 3, "phase": "after", "now": "2026-12-02T09:00:00+00:00", "log": "/tmp/s"}' \\
        python -m tests.bot.e2e.crash_child digest send daily

The tests start it once as a *zygote* (`--zygote`): imports done once, then a fork per command, so each
command is a real, separate process (killable, with its own database connections) that starts in
milliseconds.

A *step* is one Slack write (chat.postMessage, chat.update, conversations.open, the two files.* calls of
an upload), numbered from 1 in the order the command makes them. Phases: `before` (killed just before the
request leaves), `after` (the answer arrived; killed at the next database commit, i.e. before the step is
recorded). The third phase, `during` (killed while the request is in flight), is done from outside: the
emulator holds the answer and the test kills this process. `now` is the command's clock (a restart is run
later than the lease). Each write is appended to the `log` file, so a clean run tells the steps.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.cli import cli
from kpi_core.clock import ManualClock

WRITES = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "conversations.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
)


def install(plan: dict[str, Any]) -> None:
    step, phase, log = int(plan.get("step") or 0), plan.get("phase", "none"), Path(plan["log"])
    state = {"count": 0, "armed": False}
    original = WebClient.api_call

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def api_call(self: WebClient, api_method: str, **kwargs: Any) -> Any:
        if api_method not in WRITES:
            return original(self, api_method, **kwargs)
        state["count"] += 1
        with log.open("a") as out:
            out.write(api_method + "\n")
        if state["count"] == step and phase == "before":
            die()
        response = original(self, api_method, **kwargs)
        if state["count"] == step and phase == "after":
            state["armed"] = True
        return response

    @event.listens_for(Session, "before_commit")
    def before_commit(_session: Session) -> None:
        if state["armed"]:
            die()

    WebClient.api_call = api_call  # type: ignore[method-assign]


def run_command(args: list[str], plan: dict[str, Any]) -> None:
    install(plan)
    clock = ManualClock(datetime.fromisoformat(plan["now"]))
    cli.main(args, prog_name="kpibot", obj={"clock": clock})


def zygote() -> None:
    """Fork a child per request line (JSON: args, env, plan, out): a fresh `kpibot` process in
    milliseconds, with every import done once. Prints {"pid"} per fork and {"pid", "code"} per exit
    (the exit code, or -signal). Single-threaded, so forking is safe; ends when stdin closes."""
    import select

    import bot.alerts.jobs
    import bot.digests
    import bot.slack.client  # noqa: F401
    import scheduling.service  # noqa: F401

    print(json.dumps({"ready": True}), flush=True)
    children: set[int] = set()
    open_input = True
    while open_input or children:
        readable, _, _ = select.select([sys.stdin] if open_input else [], [], [], 0.02)
        if readable:
            line = sys.stdin.readline()
            if not line:
                open_input = False
            else:
                children.add(_fork(json.loads(line)))
        for pid in list(children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                children.discard(pid)
                code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                print(json.dumps({"pid": pid, "code": code}), flush=True)


def _fork(request: dict[str, Any]) -> int:
    pid = os.fork()
    if pid:
        print(json.dumps({"pid": pid}), flush=True)
        return pid
    code = 1
    try:
        os.environ.update(request["env"])
        out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(out, 1)
        os.dup2(out, 2)
        try:
            run_command(request["args"], request["plan"])
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    if sys.argv[1:] == ["--zygote"]:
        zygote()
    else:
        run_command(sys.argv[1:], json.loads(os.environ["KPIBOT_CRASH_PLAN"]))
