"""kpibot's domain core: KPI definitions, sources, storage and evaluation. No Slack imports here."""
