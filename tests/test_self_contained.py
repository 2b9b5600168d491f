"""The repository is self-contained: nothing in it reads the sibling `shared` directory of the
workspace it was developed in, so the README's test command passes in a fresh clone."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO

# Spelled in pieces so this file does not match itself.
FORBIDDEN = ("../" + "shared", "/work/" + "shared", '"' + 'shared" /', "'" + "shared' /")


def repository_files() -> list[Path]:
    """Every file git knows of (tracked or new, not ignored), except Markdown documents."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    paths = [REPO / name for name in listed.split("\0") if name]
    return [path for path in paths if path.suffix != ".md" and path.is_file()]


def test_nothing_reads_outside_the_repository() -> None:
    offending = []
    for path in repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binaries
        offending += [
            f"{path.relative_to(REPO)}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), start=1)
            if any(word in line for word in FORBIDDEN)
        ]
    assert offending == []


def test_the_scan_sees_the_test_tree() -> None:
    names = {path.relative_to(REPO).as_posix() for path in repository_files()}
    assert "tests/bot/test_manifest.py" in names
    assert "tests/bot/vendor/manifest.schema.1.0.0.json" in names
