#!/usr/bin/env python3
"""Compute expected discovery counts (and content hashes) for the marketplace
fixtures, independently of the Rust code. python3 stdlib only.

For each plugin entry of <fixture>/.claude-plugin/marketplace.json whose
source is a relative path (resolved against the fixture root, i.e. the
directory that holds .claude-plugin/), count inside the plugin folder:

  skill       directories skills/<x>/ that directly contain a file SKILL.md
  command     files commands/**/*.md at any depth, except README.md
              (case-insensitive)
  agent       files agents/**/*.md at any depth, except README.md
              (case-insensitive)
  hook        1 if hooks/hooks.json exists, else 0
  mcp_server  number of servers in .mcp.json ({"mcpServers": {...}} or a
              bare map), else 0

and content_hash = canonical tree hash of the plugin folder
(compute_artifact_hash.artifact_hash).

Writes tests/fixtures/<fixture>.expected.json (sorted keys, indent 2).

    python3 tests/reference/expected_counts.py           # write both files
    python3 tests/reference/expected_counts.py --check   # verify they are current
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
sys.path.insert(0, HERE)
from compute_artifact_hash import artifact_hash  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
FIXTURE_NAMES = ["wshobson-agents", "superpowers"]
KINDS = ["skill", "command", "agent", "hook", "mcp_server"]


def count_skills(plugin: str) -> int:
    skills = os.path.join(plugin, "skills")
    if not os.path.isdir(skills):
        return 0
    return sum(
        1
        for x in os.listdir(skills)
        if os.path.isdir(os.path.join(skills, x))
        and os.path.isfile(os.path.join(skills, x, "SKILL.md"))
    )


def count_md(plugin: str, sub: str) -> int:
    base = os.path.join(plugin, sub)
    n = 0
    for _dir, _dirs, files in os.walk(base):
        for f in files:
            if f.endswith(".md") and f.lower() != "readme.md":
                n += 1
    return n


def count_mcp(plugin: str) -> int:
    p = os.path.join(plugin, ".mcp.json")
    if not os.path.isfile(p):
        return 0
    with open(p, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict) and isinstance(data.get("mcpServers"), dict):
        return len(data["mcpServers"])
    return len(data) if isinstance(data, dict) else 0


def plugin_entry(plugin: str) -> dict:
    return {
        "skill": count_skills(plugin),
        "command": count_md(plugin, "commands"),
        "agent": count_md(plugin, "agents"),
        "hook": 1 if os.path.isfile(os.path.join(plugin, "hooks", "hooks.json")) else 0,
        "mcp_server": count_mcp(plugin),
        "content_hash": artifact_hash(plugin),
    }


def compute(fixture: str) -> dict:
    root = os.path.join(FIXTURES, fixture)
    with open(os.path.join(root, ".claude-plugin", "marketplace.json"), encoding="utf-8") as f:
        market = json.load(f)
    out = {}
    for p in market["plugins"]:
        src = p["source"]
        if not isinstance(src, str):
            print(f"  skipping {p['name']}: non-path source {src!r}", file=sys.stderr)
            continue
        out[p["name"]] = plugin_entry(os.path.normpath(os.path.join(root, src)))
    return out


def render(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    rc = 0
    for fx in FIXTURE_NAMES:
        data = compute(fx)
        totals = {k: sum(v[k] for v in data.values()) for k in KINDS}
        print(f"{fx}: {len(data)} plugins, totals {totals}")
        path = os.path.join(FIXTURES, f"{fx}.expected.json")
        text = render(data)
        if check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    print(f"  STALE: {path}", file=sys.stderr)
                    rc = 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"  wrote {path}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
