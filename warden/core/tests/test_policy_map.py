"""Policy references a reader can follow: docs/policy-map.md and the code agree.

Code names a policy duty as the map writes it, never by the file the policy text came from,
which nobody outside can open. Migrations are left out: they are history, never edited, and
an old one may still hold an old help text.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
WARDEN = REPO / "warden"
POLICY_MAP = REPO / "docs" / "policy-map.md"

# The forms the old citations took: the word "seed" and a file number, the word in the
# plural, or a bare file number before a section or appendix. Built up so this file does not
# match itself.
SOURCE_CITATION = re.compile(
    "seed" + r"\s+00\d|\b" + "seed" + r"s\b|\b00[0-4](?:'s)?\s+(?:§|Appendix\b|App\.)",
    re.IGNORECASE,
)

# Files allowed to cite the policy sources for a while (say, while someone else is editing
# them). Empty: every file names duties now. Add to it only briefly, and say why.
NOT_YET_CHANGED: frozenset[str] = frozenset()

TEST_REFERENCE = re.compile(r"`((?:warden|tests)/[\w/]+\.py)::(\w+)`")
MODULE_REFERENCE = re.compile(r"`(warden/[\w/]+\.py)`")


def _checked_files() -> list[Path]:
    files = []
    for path in sorted(WARDEN.rglob("*")):
        if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
            continue
        files.append(path)
    return files


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_code_and_pages_name_duties_not_the_policy_source_files() -> None:
    citing = {
        _relative(path)
        for path in _checked_files()
        if SOURCE_CITATION.search(path.read_text(encoding="utf-8", errors="replace"))
    }
    unexpected = sorted(citing - NOT_YET_CHANGED)
    assert not unexpected, (
        "These files cite a policy by its source file; name the duty as docs/policy-map.md "
        f"writes it instead: {', '.join(unexpected)}"
    )
    done = sorted(NOT_YET_CHANGED - citing)
    assert not done, f"Take these off NOT_YET_CHANGED, they are done: {', '.join(done)}"


def test_every_test_the_policy_map_cites_exists() -> None:
    text = POLICY_MAP.read_text(encoding="utf-8")
    references = TEST_REFERENCE.findall(text)
    assert len(references) > 40, "the policy map should cite the test behind each duty"
    missing = []
    for path, name in references:
        test_file = REPO / path
        if not test_file.is_file() or not re.search(
            rf"^\s*(?:async\s+)?def {name}\(", test_file.read_text(encoding="utf-8"), re.M
        ):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/policy-map.md cites tests that do not exist: {missing}"


def test_every_module_the_policy_map_cites_exists() -> None:
    text = POLICY_MAP.read_text(encoding="utf-8")
    missing = sorted(
        {path for path in MODULE_REFERENCE.findall(text) if not (REPO / path).is_file()}
    )
    assert not missing, f"docs/policy-map.md cites modules that do not exist: {missing}"


def test_every_duty_named_in_the_code_is_in_the_policy_map() -> None:
    """A comment saying ``duty "X"`` points at a row of the map whose first cell is X."""
    text = POLICY_MAP.read_text(encoding="utf-8")
    duties = {
        line.split("|")[1].strip()
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| duty ")
    }
    named = re.compile(r'[Dd]ut(?:y|ies) "([^"]+)"(?:\s+and\s+"([^"]+)")?')
    unknown = set()
    for path in _checked_files():
        if path.suffix != ".py" or path == Path(__file__).resolve():
            continue
        source = " ".join(path.read_text(encoding="utf-8").split())
        source = re.sub(r"\s*#\s*", " ", source)
        for match in named.finditer(source):
            for duty in filter(None, match.groups()):
                if duty not in duties:
                    unknown.add(f"{_relative(path)}: {duty}")
    assert not unknown, f"Duties named in the code but missing from the map: {sorted(unknown)}"
