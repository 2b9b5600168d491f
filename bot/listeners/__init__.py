"""Bolt listeners, grouped as commands and actions; each module exposes `register(app, answers)`."""
