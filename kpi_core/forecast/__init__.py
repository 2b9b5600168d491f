"""Forecasts: a damped-trend ETS per KPI at its grain (model), dated (series), read against the target
(outlook), cached per KPI and period (cache)."""
