"""docs/screens/ holds the Block Kit the app really sends: generated from the builders, kept
current, and valid by Slack's rules (checked with the fake's validator)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fakes.slack import blockkit

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "screens" / "generate.py"


def test_screens_are_current():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_screens_are_valid_block_kit():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import generate
    finally:
        sys.path.pop(0)
    for name, value in generate.screens().items():
        if "type" in value:
            problems = blockkit.validate_view(value)
        else:
            problems = blockkit.validate_blocks(value["blocks"])
        assert not problems, f"{name}: {problems}"
