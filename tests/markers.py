"""Test markers: the fast subset (`make test-fast`, `-m "not slow"`) and the rest.

`slow` is everything the edit loop leaves out. Nobody has to remember it; a test is marked

- `e2e` (and slow) when it lives in tests/e2e: `python -m bot` against the fake Bot API;
- `postgres` (and slow) when a fixture it uses is named for PostgreSQL (pg, pg_*, *_pg,
  postgres*, postgresql*) or a fixture parameter is one of those names ("sqlite" | "postgres");
- `browser` (and slow) when a fixture it uses is named for a browser (browser*, chromium*,
  playwright*, page);
- `slow` when it, a fixture it uses, or a helper of the tests package they call starts a process
  (`subprocess`, `asyncio.create_subprocess_*`), found by reading their code.

The net under all that: a test still in the fast subset that starts a process fails, saying
which marker it needs, so `make test-fast` never runs a subprocess.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import subprocess
import types
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

SLOW_KINDS = ("e2e", "postgres", "browser")
E2E_DIR = Path(__file__).resolve().parent / "e2e"
_POSTGRES_NAME = re.compile(r"(?:^|(?<=_))(?:pg|postgres|postgresql)(?=_|$)", re.IGNORECASE)
_BROWSER_NAME = re.compile(r"browser|chromium|playwright|^page$", re.IGNORECASE)
_SPAWNERS = {"create_subprocess_exec", "create_subprocess_shell", "Popen"}


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _starts_processes(func: Any, seen: set[int]) -> bool:
    """True when `func`, or a function or class of the tests package it names, refers to
    `subprocess` or asyncio's subprocess functions."""
    func = inspect.unwrap(func)
    if id(func) in seen:
        return False
    seen.add(id(func))
    if isinstance(func, type):
        return any(_starts_processes(member, seen) for member in vars(func).values())
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    scope = getattr(func, "__globals__", {})
    return any(
        name in _SPAWNERS or _spawns(scope.get(name), seen)
        for each in _code_objects(code)
        for name in each.co_names
    )


def _spawns(target: object, seen: set[int]) -> bool:
    """`target` is subprocess (or one of its functions), or code of the tests that is."""
    if target is subprocess or getattr(target, "__module__", None) == "subprocess":
        return True
    module = str(getattr(target, "__module__", ""))
    from_tests = module.startswith("tests.") and module != __name__  # this one only looks
    return (
        from_tests
        and (inspect.isfunction(target) or inspect.isclass(target))
        and _starts_processes(target, seen)
    )


def _fixture_parameters(item: pytest.Item) -> list[str]:
    """The item's string parameters that belong to fixtures (a storage fixture over ["sqlite",
    "postgres"]), not those the test is parametrized with directly (a config test's DSNs)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return []
    direct: set[str] = set()
    for mark in item.iter_markers("parametrize"):
        if mark.kwargs.get("indirect") is True:
            continue
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = names.split(",")
        direct.update(str(name).strip() for name in names)
    return [v for k, v in callspec.params.items() if k not in direct and isinstance(v, str)]


def _kinds(item: pytest.Item) -> set[str]:
    kinds = {kind for kind in (*SLOW_KINDS, "slow") if item.get_closest_marker(kind)}
    if item.path.is_relative_to(E2E_DIR):
        kinds.add("e2e")
    names = list(getattr(item, "fixturenames", []))
    if any(_POSTGRES_NAME.search(name) for name in names) or any(
        _POSTGRES_NAME.fullmatch(value) for value in _fixture_parameters(item)
    ):
        kinds.add("postgres")
    if any(_BROWSER_NAME.search(name) for name in names):
        kinds.add("browser")
    if not kinds:
        fixtures = getattr(item, "_fixtureinfo", None)
        functions = [getattr(item, "obj", None)] + [
            definition.func
            for definitions in (fixtures.name2fixturedefs.values() if fixtures else [])
            for definition in definitions
        ]
        seen: set[int] = set()
        if any(f is not None and _starts_processes(f, seen) for f in functions):
            kinds.add("slow")
    return kinds


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kinds = _kinds(item)
        for kind in sorted(kinds | ({"slow"} if kinds else set())):
            if not item.get_closest_marker(kind):
                item.add_marker(kind)


@contextlib.contextmanager
def _no_subprocess(item: pytest.Item) -> Iterator[None]:
    """A test in the fast subset that starts a process fails, naming the marker it needs."""
    if item.get_closest_marker("slow"):
        yield
        return
    original = subprocess.Popen._execute_child  # type: ignore[attr-defined]
    started: list[object] = []

    def refuse(self: object, args: object, *rest: object, **kwargs: object) -> None:
        started.append(args)
        raise _StartedAProcess(_complaint(item, args))

    subprocess.Popen._execute_child = refuse  # type: ignore[attr-defined]
    try:
        yield
    finally:
        subprocess.Popen._execute_child = original  # type: ignore[attr-defined]
    if started:  # also when the attempt was made in a thread, or its error was caught
        pytest.fail(_complaint(item, started[0]), pytrace=False)


class _StartedAProcess(BaseException):
    """A BaseException, so that `except Exception` in the code under test lets it through."""


def _complaint(item: pytest.Item, args: object) -> str:
    return (
        f"{item.nodeid} starts a process ({args!r}) but is not marked slow: add "
        "@pytest.mark.slow so that make test-fast runs no subprocess (CONTRIBUTING.md, Tests)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    with _no_subprocess(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _no_subprocess(item):
        return (yield)
