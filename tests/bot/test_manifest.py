from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML

from tests.conftest import REPO

# Slack's published manifest schema, vendored with its licence (MIT) beside it: tests read nothing
# outside the repository.
SCHEMA = Path(__file__).parent / "vendor" / "manifest.schema.1.0.0.json"


def load_manifest() -> dict:
    return YAML(typ="safe").load((REPO / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(load_manifest(), schema)


def test_manifest_declares_kpi_command_interactivity_and_socket_mode() -> None:
    manifest = load_manifest()
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "usage_hint" in commands["/kpi"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_manifest_scopes_are_exactly_the_ones_the_code_uses() -> None:
    """Each bot scope is needed by a Web API method the code calls, and each method called is covered."""
    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    needed_by = {
        "commands": None,
        "chat:write": r"chat_postMessage|chat_update|chat_postEphemeral",
        "chat:write.public": r"chat_postMessage",
        "files:write": r"files_upload_v2",
        "im:write": r"conversations_open",
        "users:read": r"users_lookupByEmail",  # Slack requires users:read alongside users:read.email
        "users:read.email": r"users_lookupByEmail",
        "channels:read": r"conversations_list",
        "groups:read": r"conversations_list",
        "channels:history": r"conversations\.history",  # bot/alerts: finding a post an interrupted send made
        "groups:history": r"conversations\.history",
        "im:history": r"conversations\.history",
    }
    assert scopes == set(needed_by)
    source = "\n".join(p.read_text() for p in Path(REPO / "bot").rglob("*.py") if "sandbox" not in p.parts)
    for scope, pattern in needed_by.items():
        if pattern:
            assert re.search(pattern, source), f"{scope} is declared but nothing calls {pattern}"


def test_oauth_installs_ask_for_the_manifests_scopes() -> None:
    from bot.slack.installations import BOT_SCOPES

    manifest = load_manifest()
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    assert all(url.endswith("/slack/oauth_redirect") for url in manifest["oauth_config"]["redirect_urls"])
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_uninstalled", "tokens_revoked"} <= events


def test_the_home_tab_is_on_and_its_event_subscribed() -> None:
    manifest = load_manifest()
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    source = "\n".join(p.read_text() for p in Path(REPO / "bot").rglob("*.py") if "sandbox" not in p.parts)
    assert re.search(r"views_publish", source) and re.search(r'"app_home_opened"', source)
