#!/usr/bin/env python3
"""Regenerate tests/reference/vectors.json from compute_artifact_hash.tree_hash.

    python3 tests/reference/gen_vectors.py            # writes vectors.json
    python3 tests/reference/gen_vectors.py --check    # verifies it is current
"""

from __future__ import annotations

import json
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compute_artifact_hash import sha256_hex, tree_hash, tree_records  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")

NESTED = {
    "a/b/c.txt": "c\n",
    "a/d.txt": "d\n",
    "e.md": "# E\n",
}

TREES: list[tuple[str, dict[str, str], str]] = [
    ("empty-dir", {}, "No files at all: SHA-256 of the empty string."),
    ("one-empty-file", {"a": ""}, "A single zero-length file named 'a'."),
    ("single-skill-md", {"SKILL.md": "# Skill\n"}, "One SKILL.md file."),
    ("nested-dirs", dict(NESTED), "Files at depth 0, 1 and 2."),
    (
        "excluded-names",
        {
            **NESTED,
            ".git/config": "[core]\n",
            "a/node_modules/x.js": "x\n",
            "a/b/__pycache__/m.pyc": "pyc\n",
            "a/.DS_Store": "ds\n",
            "a/b/c.txt.swp": "swp\n",
            "notes.tmp": "tmp\n",
            "~$doc.docx": "lock\n",
            ".#lock": "emacs\n",
            "backup~": "bak\n",
            "dist/out.js": "out\n",
            "x/build/y": "y\n",
            ".gitkeep": "",
            "a/venv/bin/python": "py\n",
        },
        "The nested-dirs tree plus excluded names at every depth; "
        "expected MUST equal nested-dirs' expected.",
    ),
    (
        "unicode-names",
        {
            "skills/café/SKILL.md": "# Café\n",
            "docs/日本語.md": "日本語\n",
            "emoji/🦀.txt": "🦀\n",
        },
        "Non-ASCII path components (NFC 'é' U+00E9, CJK, astral-plane emoji); "
        "paths are hashed as their UTF-8 bytes, no normalisation.",
    ),
    (
        "byte-order-sort",
        {
            "a-b": "1\n",
            "a/b": "2\n",
            "a.b": "3\n",
            "a_b": "4\n",
            "A": "5\n",
            "é": "6\n",
            "z": "7\n",
        },
        "Byte order: 'A'(0x41) < 'a-b'(0x2D) < 'a.b'(0x2E) < 'a/b'(0x2F) < "
        "'a_b'(0x5F) < 'z' < 'é'(0xC3 0xA9).",
    ),
    (
        "full-string-vs-component-sort",
        {
            "foo/bar": "bar\n",
            "foo-bar/baz": "baz\n",
            "foo.txt": "txt\n",
        },
        "Full-string byte order gives foo-bar/baz < foo.txt < foo/bar; sorting "
        "by path components (or a depth-first directory walk) would wrongly "
        "put foo/bar first.",
    ),
    (
        "near-miss-names-kept",
        {
            "Build/x": "1\n",
            "builder/x": "2\n",
            "my.tmp.md": "3\n",
            "a~b": "4\n",
            "x~$": "5\n",
            "a.swp.md": "11\n",
            "#.x": "6\n",
            ".gitignore": "7\n",
            ".github/w.yml": "8\n",
            "node_modules.md": "9\n",
            "NODE_MODULES/y": "10\n",
        },
        "Names that resemble excluded ones but are NOT excluded (matching is "
        "exact, case-sensitive, per component): every file is hashed.",
    ),
]

BYTES = ["", "hello\n"]


def build() -> dict:
    trees = []
    by_name = {}
    for name, files, note in TREES:
        raw = {p: c.encode("utf-8") for p, c in files.items()}
        h = tree_hash(raw)
        by_name[name] = h
        trees.append(
            {
                "name": name,
                "note": note,
                "files": files,
                "records": tree_records(raw).decode("utf-8"),
                "expected": h,
            }
        )
    assert by_name["excluded-names"] == by_name["nested-dirs"]
    assert by_name["empty-dir"] == sha256_hex(b"")
    near = next(f for n, f, _ in TREES if n == "near-miss-names-kept")
    assert tree_records({p: b"" for p in near}).count(b"\n") == len(near)
    for t in trees:
        if t["name"] == "excluded-names":
            t["same_as"] = "nested-dirs"
    return {
        "spec": "record = relpath '\\0' sha256hex(bytes) '\\n'; records sorted by "
        "UTF-8 bytes of relpath; tree hash = sha256hex(concat(records)); "
        "file hash = sha256hex(bytes). All file contents here are UTF-8 text.",
        "bytes": [{"content": c, "expected": sha256_hex(c.encode("utf-8"))} for c in BYTES],
        "trees": trees,
    }


def main() -> int:
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv[1:]:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print("vectors.json is stale", file=sys.stderr)
                return 1
        print("vectors.json is current")
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
