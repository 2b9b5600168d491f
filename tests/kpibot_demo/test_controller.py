"""The demo controller's clock: advancing runs the background work at every step, in order."""

from __future__ import annotations

from datetime import datetime, timedelta

from kpibot_demo import DemoApp
from tests.stack_fixtures import DEMO_NOW


class RecordingBackground:
    """Records the clock's time at each tick (a stand-in for scheduling.service.Background)."""

    def __init__(self, demo: DemoApp) -> None:
        self.demo = demo
        self.ticks: list[datetime] = []

    def tick(self) -> None:
        self.ticks.append(self.demo.controller.now())

    def post_digest_now(self, name: str, *, force: bool = False) -> None:
        raise AssertionError("not used")


def test_advance_ticks_after_every_step(demo: DemoApp) -> None:
    background = RecordingBackground(demo)
    demo.controller.background = background
    demo.controller.advance(hours=1)
    assert background.ticks == [DEMO_NOW + timedelta(minutes=15 * n) for n in range(1, 5)]
    demo.controller.advance(hours=24 * 7)
    assert len(background.ticks) == 4 + 168
    assert background.ticks[-1] == DEMO_NOW + timedelta(hours=1, weeks=1)


def test_a_failing_tick_does_not_stop_the_demo(demo: DemoApp) -> None:
    class Broken(RecordingBackground):
        def tick(self) -> None:
            super().tick()
            raise RuntimeError("boom")

    background = Broken(demo)
    demo.controller.background = background
    demo.controller.advance(hours=0.5)
    assert len(background.ticks) == 2 and demo.controller.now() == DEMO_NOW + timedelta(minutes=30)
