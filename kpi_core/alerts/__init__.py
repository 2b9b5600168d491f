"""Alert rules, their evaluation and the incident lifecycle (pure logic; delivery is in bot/)."""
