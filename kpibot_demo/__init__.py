"""`kpibot demo`: the whole bot without a Slack workspace, in a local Slack-like page.

launch.py starts everything (emulator + real bot + background work + page server); controller.py is what
the page's controls do; server.py and views.py are the page's HTTP side; static/ is the page itself.
"""

from kpibot_demo.controller import DemoController, DemoError
from kpibot_demo.launch import DemoApp, start_demo

__all__ = ["DemoApp", "DemoController", "DemoError", "start_demo"]
