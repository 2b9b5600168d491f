"""The floor of bench_kpi_command.py: a Bolt app with one ack-only command and nothing else, in its own
process, built exactly as kpibot's (bot.app.new_bolt_app: same Bolt options), served by the same waitress
server (bot.server.HttpServer, 16 threads) and checking the same signatures.

    python benchmarks/noop_app.py PORT      # prints "ready", then serves /slack/events until killed
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.app import new_bolt_app
from bot.server import EVENTS_PATH, HttpServer


def main() -> None:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = new_bolt_app(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    app.command("/noop")(lambda ack: ack())
    server = HttpServer(SlackRequestHandler(app, path=EVENTS_PATH), host="127.0.0.1", port=int(sys.argv[1]))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
