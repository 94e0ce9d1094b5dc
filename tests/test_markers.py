"""tests/markers.py: tests get e2e/postgres/browser/slow without anyone remembering to, and
one in the fast subset that starts a process fails, naming the marker."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.markers import _starts_processes

pytest_plugins = ["pytester"]


def run_cli() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def calls_a_helper_that_runs_the_cli() -> None:
    run_cli()


def pure() -> int:
    return sum(range(3))


# Looked up by name in the test below: a test that names run_cli itself counts as one that
# starts a process, and would leave the fast subset.
SAMPLES = {"run_cli": run_cli, "helper": calls_a_helper_that_runs_the_cli, "pure": pure}


def test_code_that_starts_a_process_is_found_through_helpers() -> None:
    assert _starts_processes(SAMPLES["run_cli"], set())
    assert _starts_processes(SAMPLES["helper"], set())
    assert not _starts_processes(SAMPLES["pure"], set())
    assert not _starts_processes(test_code_that_starts_a_process_is_found_through_helpers, set())


MODULE = """
import pytest

@pytest.fixture
def pg_dsn():
    return "postgresql://127.0.0.1/x"

@pytest.fixture(params=["sqlite", "postgres"])
def store(request):
    return request.param

@pytest.fixture
def browser_page():
    return None

def test_plain():
    pass

def test_config(pg_dsn):
    pass

def test_both(store):
    pass

@pytest.mark.parametrize("url", ["postgres", "postgresql://127.0.0.1/x"])
def test_a_dsn_named_in_a_parameter_is_not_a_server(url):
    pass

def test_ui(browser_page):
    pass

@pytest.mark.slow
def test_said_so():
    pass
"""


INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
markers =
    slow: slow
    e2e: e2e
    postgres: postgres
    browser: browser
"""


def test_markers_by_fixture_and_parameter(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_sample=MODULE)
    pytester.makeconftest("from tests.markers import pytest_collection_modifyitems")
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider")
    marks = {
        item.name: sorted({m.name for m in item.iter_markers()} - {"parametrize"}) for item in items
    }
    assert marks == {
        "test_plain": [],
        "test_config": ["postgres", "slow"],
        "test_both[sqlite]": [],
        "test_both[postgres]": ["postgres", "slow"],
        "test_a_dsn_named_in_a_parameter_is_not_a_server[postgres]": [],
        "test_a_dsn_named_in_a_parameter_is_not_a_server[postgresql://127.0.0.1/x]": [],
        "test_ui": ["browser", "slow"],
        "test_said_so": ["slow"],
    }


def test_a_fast_test_that_starts_a_process_fails_saying_so(pytester: pytest.Pytester) -> None:
    # Out of sight of the code reading (imported by name at run time), so only the net
    # catches it.
    pytester.makeini(INI)
    pytester.makepyfile(
        test_sneaky="""
import importlib, sys

def test_hidden():
    try:
        importlib.import_module("sub" + "process").run([sys.executable, "-c", "pass"])
    except Exception:
        pass  # swallowing the error does not help
"""
    )
    pytester.makeconftest(
        "from tests.markers import pytest_collection_modifyitems, pytest_runtest_call,"
        " pytest_runtest_setup"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_hidden starts a process*mark*slow*"])
