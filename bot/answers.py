"""Turns a parsed `/kpi` request into messages: asks kpi_core, renders charts, lays out blocks."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.blocks.catalog import build_help, build_info_card, build_kpi_list, describe_source
from bot.blocks.dashboard import build_dashboard
from bot.blocks.kpi_card import build_category_cards, build_kpi_card, local_now
from bot.blocks.primitives import Message, quote_typed
from bot.charts import ChartCache, ChartImage, Panel, chart_cache_key, render_kpi_chart, render_panels
from bot.grammar import CommandError, KpiRequest
from bot.slack.directory import UserDirectory
from bot.slack.shared_files import SharedFiles
from bot.slack.uploads import post_with_chart, share_chart
from kpi_core.catalog import UnknownKpiError
from kpi_core.config.models import KpiDefinition
from kpi_core.health import HealthScore
from kpi_core.health_inputs import company_health
from kpi_core.runtime import Runtime
from kpi_core.snapshot import KpiSnapshot
from kpi_core.windows import Window

VerbHandler = Callable[[KpiRequest, str, str], list[Message]]


class AlertLines(Protocol):
    """What the dashboard needs from the alerts (bot.alerts.jobs.SlackAlertJobs)."""

    def open_alert_lines(self) -> list[str]: ...


@dataclass
class Answers:
    """Everything `/kpi` and its buttons need, built once per app (no global state)."""

    runtime: Runtime
    client: WebClient
    charts: ChartCache = field(default_factory=ChartCache)
    extra_verbs: dict[str, VerbHandler] = field(default_factory=dict)
    alerts: AlertLines | None = None  # set by bot.listeners.alerts.register
    shared: SharedFiles = field(default_factory=SharedFiles)  # chart file ids by chart key and channel
    home: Any = None  # bot.home.HomeTabs, set by bot.listeners.home.register

    def __post_init__(self) -> None:
        self.directory = UserDirectory(self.client)

    @property
    def timezone(self) -> str:
        return self.runtime.settings.timezone

    def answer(self, request: KpiRequest, *, user_id: str, channel_id: str) -> list[Message]:
        """The messages that answer `request`. Raises CommandError for what the user should fix."""
        if request.verb in self.extra_verbs:
            return self.extra_verbs[request.verb](request, user_id, channel_id)
        if request.verb == "help":
            return [build_help(list(self.runtime.service.catalog.categories()))]
        if request.verb == "list":
            return self.kpi_list(request.subject)
        if request.verb == "dashboard":
            return [self.dashboard(chart_channel=self.private_channel(user_id, channel_id))]
        if request.verb == "info":
            return [self.info(self.resolve(request.subject))]
        if request.verb in ("alerts", "ack"):
            raise CommandError("Alerts are not set up in this workspace (no alerts.yml rules).")
        return self.show(request, user_id=user_id, channel_id=channel_id)

    def resolve(self, name: str) -> KpiDefinition:
        try:
            return self.runtime.service.catalog.resolve(name)
        except UnknownKpiError as error:
            raise CommandError(
                f"I don't know a KPI called {quote_typed(name)}.", suggestions=error.suggestions
            ) from None

    def show(self, request: KpiRequest, *, user_id: str, channel_id: str) -> list[Message]:
        catalog = self.runtime.service.catalog
        # a category name wins over a KPI alias (`/kpi revenue` is the revenue category)
        category = catalog.find_category(request.subject) if request.window is None else None
        if category is not None:
            keys = [k.key for k in catalog.categories()[category]]
            return [build_category_cards(category, self.runtime.service.snapshots(keys))]
        kpi = catalog.find(request.subject) or self.resolve(request.subject)
        return [
            self.card(kpi.key, window=request.window, chart_channel=self.private_channel(user_id, channel_id))
        ]

    def card(
        self,
        key: str,
        *,
        window: Window | None,
        chart_channel: str | None,
        shareable: bool = True,
    ) -> Message:
        """The KPI card for an ephemeral answer, its chart shared into `chart_channel` (the asker's DM)."""
        snapshot, chart = self.card_parts(key, window=window)
        file_id = self.share_private(chart_cache_key(snapshot), chart, channel=chart_channel)
        return self.card_message(snapshot, chart, file_id, window=window, shareable=shareable)

    def share_card(self, key: str, *, window: Window | None, channel: str, shared_by: str) -> str:
        """Post the KPI card in `channel` for everyone, with its chart; returns the message ts."""
        snapshot, chart = self.card_parts(key, window=window)
        return post_with_chart(
            self.client,
            channel=channel,
            chart=chart,
            build=lambda file_id: self.card_message(
                snapshot, chart, file_id, window=window, shareable=False, shared_by=shared_by
            ),
        )

    def card_parts(self, key: str, *, window: Window | None) -> tuple[KpiSnapshot, ChartImage | None]:
        snapshot = self.runtime.service.snapshot(key, window=window)
        return snapshot, (self.chart(snapshot) if snapshot.series else None)

    def card_message(
        self,
        snapshot: KpiSnapshot,
        chart: ChartImage | None,
        file_id: str | None,
        *,
        window: Window | None,
        shareable: bool,
        shared_by: str | None = None,
    ) -> Message:
        return build_kpi_card(
            snapshot,
            timezone=self.timezone,
            owners=[self.directory.mention(o) for o in snapshot.kpi.owners],
            chart_file_id=file_id,
            chart_alt_text=chart.alt_text if chart else "",
            window=window.spec if window else None,
            shareable=shareable,
            shared_by=shared_by,
        )

    def chart(self, snapshot: KpiSnapshot) -> ChartImage:
        return self.charts.get_or_render(chart_cache_key(snapshot), partial(render_kpi_chart, snapshot))

    def kpi_list(self, category_name: str) -> list[Message]:
        catalog = self.runtime.service.catalog
        groups = catalog.categories()
        if category_name:
            category = catalog.find_category(category_name)
            if category is None:
                raise CommandError(
                    f"There is no category called {quote_typed(category_name)}.",
                    suggestions=sorted(groups)[:10],
                )
            groups = {category: groups[category]}
        snapshots = {s.kpi.key: s for s in self.runtime.service.snapshots()}
        return build_kpi_list(
            {name: [snapshots[k.key] for k in kpis if k.key in snapshots] for name, kpis in groups.items()},
            title=f"{category_name.title()} KPIs" if category_name else "All KPIs",
        )

    def info(self, kpi: KpiDefinition) -> Message:
        owners = [self.directory.mention(o) for o in kpi.owners]
        return build_info_card(kpi, owners=owners, source=describe_source(kpi))

    def dashboard(self, *, chart_channel: str | None, alerts: list[str] | None = None) -> Message:
        data = self.runtime.service.dashboard()
        panels = [Panel(title=p.title, snapshots=tuple(p.snapshots), kind=p.kind) for p in data.panels]
        chart, file_id = None, None
        if panels:
            key = ("dashboard", *(chart_cache_key(s) for p in panels for s in p.snapshots))
            chart = self.charts.get_or_render(key, partial(render_panels, panels, title="KPI trends"))
            file_id = self.share_private(key, chart, channel=chart_channel)
        return build_dashboard(
            headline=data.headline,
            quick_stats=data.quick_stats,
            alerts=alerts if alerts is not None else self.open_alert_lines(),
            updated=local_now(self.runtime.clock.now(), self.timezone),
            chart_file_id=file_id,
            chart_alt_text=chart.alt_text if chart else "",
            health=self.company_health(),
        )

    def company_health(self) -> HealthScore | None:
        """The company health score over every KPI now (as `/kpi health` computes it); None when unrated."""
        catalog = self.runtime.config.catalog
        return company_health(self.runtime.service.snapshots(), config=catalog.health)

    def open_alert_lines(self) -> list[str]:
        """One line per open alert for the dashboard (none until the alert listeners are registered)."""
        return self.alerts.open_alert_lines() if self.alerts is not None else []

    def private_channel(self, user_id: str, channel_id: str) -> str | None:
        """Where a chart for an ephemeral answer is shared: the user's DM with the bot.

        Sharing into the channel would show the chart to everyone before they chose to share it; the DM is
        private to the person who asked, and Slack lets them see files shared there in any message.
        """
        if channel_id.startswith("D"):
            return channel_id
        return self.directory.dm_channel(user_id)

    def share_private(self, key: Hashable, chart: ChartImage | None, *, channel: str | None) -> str | None:
        """The file id of `chart` shared into `channel`: uploaded the first time, reused after that."""
        if chart is None or channel is None:
            return None
        return self.shared.share(
            key, channel=channel, upload=partial(share_chart, self.client, chart, channel=channel)
        )
