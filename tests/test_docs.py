"""The README is a user's page, and every document the code cites is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE_SUFFIXES = (".py", ".cs", ".md", ".json", ".toml")
FOLDERS = (
    "app", "bridge", "commands", "models", "training", "unity_package", "bench", "docs", "tests",
)  # fmt: skip


def _project_files() -> list[Path]:
    """Source and documentation files of the project's folders, and the README."""
    found = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for folder in FOLDERS:
        found += [
            p for p in (ROOT / folder).rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()
        ]
    return found


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    assert len(README.splitlines()) <= 200
    blocks = re.findall(r"```bash\n(.*?)```", README, re.DOTALL)
    assert blocks[0].strip() == (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[cpu]' && .venv/bin/talkrig"
    )
    assert blocks[1].strip() == "bash .ci/run"
    assert (ROOT / ".ci" / "run").is_file()


def test_user_pages_take_paths_as_arguments_not_the_team_s_shared_folder() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "../shared" not in page.read_text(encoding="utf-8"), page.name


def test_every_relative_link_of_the_user_pages_exists() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_the_code_cites_only_documents_that_exist() -> None:
    sections = set(
        re.findall(r"^## §(\d+)", (ROOT / "docs/wire-formats.md").read_text(encoding="utf-8"), re.M)
    )
    cited = 0
    for path in _project_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        # The team's working notes are not shipped: their counterparts live in docs/.
        for gone in ("PROTOCOLS.md", "ENVIRONMENT.md", "DESIGN.md"):
            assert gone not in text or path.name == "test_docs.py", f"{path}: cites {gone}"
        for doc in re.findall(r"\bdocs/([\w-]+\.md)", text):
            assert (ROOT / "docs" / doc).is_file(), f"{path}: cites docs/{doc}"
            cited += 1
        for number in re.findall(r"docs/wire-formats\.md §(\d+)", text):
            assert number in sections, f"{path}: cites wire-formats.md §{number}"
    assert cited > 20  # the citations were found at all
