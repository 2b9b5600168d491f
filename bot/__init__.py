"""kpibot's Slack side: the Bolt app, listeners, Block Kit builders, charts, the CLI and the sandbox."""
