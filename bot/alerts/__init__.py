"""The Slack side of alerts: delivering the outbox, the incident messages, and who may press the buttons.

    jobs = SlackAlertJobs(runtime, client=app.client)   # what `kpibot serve` gives the Background
    jobs.tick(clock.now())                              # evaluate every rule, then deliver what is due

kpi_core.alerts decides (rules, incidents, routing, "should we notify", the outbox rows); this package
only delivers: each outbox row becomes a chat.postMessage / thread reply / chat.update, paced per channel,
with Slack's Retry-After honoured and permanent failures sent to the fallback channel.
"""
