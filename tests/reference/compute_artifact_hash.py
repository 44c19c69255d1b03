#!/usr/bin/env python3
"""Reference implementation of skillmeat's canonical artifact hash.

Independent of the Rust code; python3 standard library only.

Spec
----
* File artifact: SHA-256 hex of the file's raw bytes.
* Directory artifact: walk every regular file below the root. For each file
  that is not excluded, build the record

      <relative path, '/'-separated> NUL <sha256 hex of its bytes> LF

  (all UTF-8). Sort records by relative path (byte order of the UTF-8
  encoding, which equals Python's str ordering by code point). The result is
  the SHA-256 hex of the concatenated records. An empty directory (or one
  whose files are all excluded) hashes to SHA-256(b"") = e3b0c442...b855.
* Excluded: a file is skipped when ANY component of its relative path
  (directory or file name, case-sensitive) is one of EXCLUDED_NAMES, starts
  with one of EXCLUDED_PREFIXES, or ends with one of EXCLUDED_SUFFIXES.
  Only components of the path *relative to the root* are tested, so the name
  of the root directory itself never matters.
* Symlinks whose target lies inside the tree are followed: the link's
  relative path is used, the target's bytes are hashed.

Choices made here where the spec is silent (documented, not normative):
* A symlink to a directory inside the tree is walked as if it were that
  directory, unless that would loop (its target is the link's own parent
  or an ancestor of it), in which case it is skipped.
* Symlinks that dangle or resolve outside the root are skipped, with a note
  on stderr.

Usage
-----
    python3 compute_artifact_hash.py PATH [PATH...]

prints "<hex>  <path>" for each file or directory (sha256sum style).
"""

from __future__ import annotations

import hashlib
import os
import sys

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

EXCLUDED_NAMES = frozenset(
    {
        ".git",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        "venv",
        ".venv",
        "dist",
        "build",
        ".DS_Store",
        "Thumbs.db",
        ".gitkeep",
    }
)
EXCLUDED_PREFIXES = ("~$", ".#")
EXCLUDED_SUFFIXES = (".tmp", ".swp", ".swo", "~")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_excluded_component(name: str) -> bool:
    return (
        name in EXCLUDED_NAMES
        or name.startswith(EXCLUDED_PREFIXES)
        or name.endswith(EXCLUDED_SUFFIXES)
    )


def is_excluded(rel_path: str) -> bool:
    return any(is_excluded_component(c) for c in rel_path.split("/"))


def _utf8(s: str) -> bytes:
    # surrogateescape lets undecodable on-disk names round-trip to their bytes
    return s.encode("utf-8", "surrogateescape")


def tree_records(files: dict[str, bytes]) -> bytes:
    """The concatenated, sorted records for an in-memory tree."""
    kept = [p for p in files if not is_excluded(p)]
    kept.sort(key=_utf8)  # == str order for valid UTF-8
    out = bytearray()
    for p in kept:
        out += _utf8(p) + b"\0" + sha256_hex(files[p]).encode("ascii") + b"\n"
    return bytes(out)


def tree_hash(files: dict[str, bytes]) -> str:
    """Canonical hash of a tree given as {relative '/'-path: bytes}."""
    return sha256_hex(tree_records(files))


def _inside(root_real: str, path_real: str) -> bool:
    return path_real == root_real or path_real.startswith(root_real.rstrip(os.sep) + os.sep)


def read_tree(root: str) -> dict[str, bytes]:
    """Collect {relative path: bytes} for every regular file below root.

    Exclusion is NOT applied here (tree_hash applies it); excluded dirs are
    still pruned early as an optimisation, which gives the same result since
    every file under an excluded dir is excluded.
    """
    root_real = os.path.realpath(root)
    files: dict[str, bytes] = {}

    def walk(dir_path: str, rel_prefix: str, active: frozenset[str]) -> None:
        with os.scandir(dir_path) as it:
            entries = list(it)
        for e in entries:
            rel = rel_prefix + e.name
            if is_excluded_component(e.name):
                continue
            if e.is_symlink():
                target = os.path.realpath(e.path)
                if not os.path.exists(target) or not _inside(root_real, target):
                    print(f"note: skipping symlink {rel!r} (dangling or outside tree)", file=sys.stderr)
                    continue
                if os.path.isdir(target):
                    if target in active:
                        print(f"note: skipping symlink {rel!r} (directory cycle)", file=sys.stderr)
                        continue
                    walk(target, rel + "/", active | {target})
                elif os.path.isfile(target):
                    with open(target, "rb") as f:
                        files[rel] = f.read()
                continue
            if e.is_dir(follow_symlinks=False):
                walk(e.path, rel + "/", active | {os.path.realpath(e.path)})
            elif e.is_file(follow_symlinks=False):
                with open(e.path, "rb") as f:
                    files[rel] = f.read()
            # sockets, fifos, devices: not regular files, ignored

    walk(root, "", frozenset({root_real}))
    return files


def artifact_hash(path: str) -> str:
    if os.path.isdir(path):
        return tree_hash(read_tree(path))
    with open(path, "rb") as f:
        return sha256_hex(f.read())


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.split("Usage")[1].strip(" -\n"), file=sys.stderr)
        return 2
    rc = 0
    for p in argv[1:]:
        try:
            print(f"{artifact_hash(p)}  {p}")
        except OSError as e:
            print(f"error: {p}: {e}", file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
