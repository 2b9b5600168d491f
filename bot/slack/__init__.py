"""Slack transport helpers: the Web API client, the error vocabulary and chart uploads."""
