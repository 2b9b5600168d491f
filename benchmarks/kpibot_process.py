"""The bot as `kpibot serve` builds it, in its own process, for benchmarks: HTTP mode, no scheduler.

Adds one thing a benchmark needs and production must not have: `POST /bench/clear-cache`, a cold cache on
demand (drawn charts, and the ids of charts already shared). Settings come from the environment. The
no-op floor is a separate app (noop_app.py).

    python benchmarks/kpibot_process.py PORT
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import create_app
from bot.server import HttpServer, KpibotWsgi
from kpi_core.runtime import Runtime
from kpi_core.settings import Settings


def main() -> None:
    settings = Settings()
    runtime = Runtime.create(settings)
    app, answers = create_app(settings, runtime=runtime)
    wsgi = KpibotWsgi(app, runtime)

    def with_cache_control(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/bench/clear-cache":
            answers.charts.clear()
            answers.shared.clear()
            start_response("204 No Content", [])
            return [b""]
        return wsgi(environ, start_response)

    server = HttpServer(with_cache_control, host="127.0.0.1", port=int(sys.argv[1]), threads=16)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
