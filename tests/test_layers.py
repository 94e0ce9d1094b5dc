"""The layers of docs/architecture.md, read from the code: handlers only translate (they reach
no repository), flows and the domain know nothing of Telegram, the domain nothing of SQL."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"


def _modules(package: str) -> list[Path]:
    return sorted((BOT / package).rglob("*.py"))


def _imported(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def repository_uses(source: str) -> list[str]:
    """`<anything>.storage.<repository>` in the source: a repository reached past the flows."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "storage"
        ):
            found.append(f"line {node.lineno}: .storage.{node.attr}")
    return found


def test_the_check_sees_a_repository_reached_from_a_handler() -> None:
    handler = (
        "async def retention(update, context):\n"
        "    await context.storage.users.set_retention(1, 0.9)\n"
        "    await set_retention(context.storage, 0.9)\n"
    )
    assert repository_uses(handler) == ["line 2: .storage.users"]


@pytest.mark.parametrize("module", _modules("handlers"), ids=lambda path: path.name)
def test_handlers_reach_storage_only_through_flows(module: Path) -> None:
    assert repository_uses(module.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "module",
    _modules("flows") + _modules("domain"),
    ids=lambda path: path.parent.name + "/" + path.name,
)
def test_flows_and_domain_import_no_telegram(module: Path) -> None:
    imports = set(_imported(ast.parse(module.read_text(encoding="utf-8"))))
    assert not {name for name in imports if name.split(".")[0] == "telegram"}
    assert "bot.handlers" not in {".".join(name.split(".")[:2]) for name in imports}


@pytest.mark.parametrize("module", _modules("domain"), ids=lambda path: path.name)
def test_the_domain_imports_no_storage(module: Path) -> None:
    imports = set(_imported(ast.parse(module.read_text(encoding="utf-8"))))
    assert not {
        name for name in imports if name.startswith(("bot.storage", "aiosqlite", "asyncpg"))
    }
