"""Digest definitions and content: which numbers a daily, weekly or monthly digest reports."""
