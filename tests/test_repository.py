"""The repository itself: no database file is tracked, and none outside data/ can be added."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_SUFFIXES = (".sqlite3", ".sqlite", ".db")


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    assert git is not None, "these tests read the git index: install git (apt-get install git)"
    return subprocess.run(
        [git, "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )


def test_no_database_file_is_tracked() -> None:
    listed = _git("ls-files", "-z")
    assert listed.returncode == 0, f"not a git checkout: {listed.stderr.strip()}"
    tracked = [name for name in listed.stdout.split("\0") if name]
    databases = [
        name for name in tracked if name.endswith(DATABASE_SUFFIXES) or ".sqlite3-" in name
    ]
    assert databases == [], f"database files are tracked: {databases}"


def test_database_files_are_ignored_wherever_they_are_made() -> None:
    """The default DATABASE_PATH is data/quiz.sqlite3; one made at the root (a run with
    DATABASE_PATH=quiz.sqlite3, a test's leftovers) or beside it must not be committable."""
    candidates = [
        "quiz.sqlite3",
        "quiz.sqlite3-wal",
        "quiz.sqlite3-shm",
        "quiz.sqlite3-journal",
        "other.sqlite",
        "bench/scratch.db",
        "data/quiz.sqlite3",
    ]
    checked = _git("check-ignore", "--no-index", *candidates)
    ignored = set(checked.stdout.split())
    assert ignored == set(candidates), f"not ignored: {sorted(set(candidates) - ignored)}"
