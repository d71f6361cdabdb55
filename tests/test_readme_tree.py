"""README.md's "How it is built" names the tree as it is: every path it names exists, and every
package and module under bot/ and storage/ is named (a new module gets its line)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"^## How it is built\n(.*?)^## ", re.S | re.M)
CODE = re.compile(r"`([^`]+)`")


def section(readme: str) -> str:
    found = SECTION.search(readme)
    assert found, 'README.md has no "How it is built" section'
    return found.group(1)


def paths(text: str) -> set[str]:
    """The repository paths among the code spans (commands like `/stats` are not paths)."""
    return {c for c in CODE.findall(text) if "/" in c and not c.startswith("/") and " " not in c}


def named(text: str) -> set[str]:
    """Paths named in full, and bare file names in a table row that names their folder
    (`storage/migrations/` with `ledger.py`, …)."""
    found = paths(text)
    for row in (line for line in text.splitlines() if line.startswith("| `")):
        folders = [p for p in paths(row) if p.endswith("/")]
        for name in CODE.findall(row):
            if "/" not in name and name.endswith(".py"):
                found.update(folder + name for folder in folders)
    return found


def tree(root: Path) -> tuple[set[str], set[str]]:
    """The packages (as `folder/`) and modules under bot/ and storage/."""
    packages, modules = set(), set()
    for top in ("bot", "storage"):
        for init in (root / top).rglob("__init__.py"):
            folder = init.parent
            packages.add(folder.relative_to(root).as_posix() + "/")
            for module in folder.glob("*.py"):
                if module.name != "__init__.py":
                    modules.add(module.relative_to(root).as_posix())
    return packages, modules


def unnamed(root: Path, text: str) -> list[str]:
    packages, modules = tree(root)
    return sorted(((packages - {"bot/"}) | modules) - named(text))


def test_every_path_the_table_names_exists() -> None:
    text = section((ROOT / "README.md").read_text(encoding="utf-8"))
    missing = sorted(p for p in named(text) if not any(ROOT.glob(p.rstrip("/"))))  # `tests/test_x_*` too
    assert missing == [], f"README.md names paths that do not exist: {missing}"


def test_every_package_and_module_is_named() -> None:
    text = section((ROOT / "README.md").read_text(encoding="utf-8"))
    assert unnamed(ROOT, text) == [], "README.md's 'How it is built' does not name these (one line each)"


def test_a_module_or_package_left_out_is_reported(tmp_path: Path) -> None:
    files = ["bot/__init__.py", "bot/rooms/__init__.py", "bot/rooms/a.py", "bot/rooms/b.py"]
    files += ["storage/__init__.py", "storage/migrations/__init__.py", "storage/migrations/v1.py"]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    text = section(
        "## How it is built\n| Where | What |\n| `bot/rooms/a.py` | a |\n"
        "| `storage/migrations/` | `v1.py` |\n## Tests\n"
    )
    assert unnamed(tmp_path, text) == ["bot/rooms/", "bot/rooms/b.py", "storage/"]
