"""Runtime: everything a process needs, built once from the settings and passed explicitly.

>>> runtime = Runtime.create(Settings())          # doctest: +SKIP
>>> runtime.service.snapshot("mrr").value          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi_core.clock import Clock, SystemClock
from kpi_core.config.loader import AppConfig, load_config
from kpi_core.service import KpiService
from kpi_core.settings import Settings
from kpi_core.storage.db import Database
from kpi_core.storage.migrate import upgrade


@dataclass
class Runtime:
    """The settings, the loaded config, the database, the clock and the KPI service."""

    settings: Settings
    config: AppConfig
    db: Database
    clock: Clock
    service: KpiService

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        config: AppConfig | None = None,
    ) -> Runtime:
        """Load the config (raises ConfigError), open the database and, unless told not to, migrate it."""
        config = config if config is not None else load_config(settings.config_dir)
        db = Database.from_url(settings.database_url)
        if migrate:
            upgrade(db.engine)
        clock = clock or SystemClock()
        service = KpiService(config, db, clock=clock, timezone=settings.timezone)
        return cls(settings=settings, config=config, db=db, clock=clock, service=service)

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    def close(self) -> None:
        """Release the database connections."""
        self.db.engine.dispose()
