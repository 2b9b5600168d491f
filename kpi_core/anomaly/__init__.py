"""Anomaly detection: each KPI's normal range from its own seasonal history (detect)."""
