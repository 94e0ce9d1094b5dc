"""The Mini App in a real browser: Debian's headless Chromium driven by Playwright, against
`python -m bot` and the fake Bot API, with initData built the way Telegram builds it and
handed to the page the way Telegram hands it (the URL fragment telegram-web-app.js reads).

One bot and one set of data for the module (a learner who missed a question, a group round
of two players, a member who joined and never played); each test opens the page at phone
size (390×844) in a fresh browser context and saves a screenshot to build/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.web.auth import build_init_data
from tests.e2e.conftest import ROOT, TOKEN, BotProcess
from tests.fakes.telegram_server import FakeTelegramServer, FakeUser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "build" / "screenshots"
PHONE = {"width": 390, "height": 844}
GROUP = -1009876543210
LEARNER, ADMIN, ANN, BOB, EVE = 11, 20, 21, 22, 23
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
}
DARK = {
    "bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "link_color": "#8774e1",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#181818",
}
# The browser's own line for a refused request (401/403) is the only console error allowed,
# and only on the pages that are refused.
REFUSED_REQUEST = "Failed to load resource: the server responded with a status of"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class World:
    """The running bot, its Mini App's address, and the people in the data."""

    def __init__(self, server: FakeTelegramServer, bot: BotProcess, url: str) -> None:
        self.server = server
        self.bot = bot
        self.url = url
        self.missed_question = ""

    def answers(self) -> int:
        with sqlite3.connect(self.bot.database) as db:
            return int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])


def answer(server: FakeTelegramServer, user: FakeUser, poll: dict[str, Any], right: bool) -> None:
    correct = poll["poll"]["correct_option_ids"][0]
    choice = correct if right else (correct + 1) % len(poll["poll"]["options"])
    server.push_poll_answer(user, poll["poll"]["id"], [choice])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with FakeTelegramServer() as server:
        database = tmp_path_factory.mktemp("miniapp") / "quiz.sqlite3"
        bot = BotProcess(
            server,
            database,
            MINIAPP_URL=url,
            MINIAPP_PORT=str(port),
            MINIAPP_LISTEN="127.0.0.1",
        ).start()
        world = World(server, bot, url)
        # A learner: one question right, the next one wrong.
        ada = server.user(LEARNER, "Ada")
        for number, right in enumerate((True, False)):
            server.push_message(ada, "/quiz")
            poll = server.wait_for_poll(LEARNER, after=number)
            answer(server, ada, poll, right)
            server.wait_for(lambda n=number: world.answers() == n + 1, 10, "the quiz answer")
        world.missed_question = poll["poll"]["question"]
        # A group: Ann gets both questions right, Bob misses the first and skips the second.
        ann, bob = server.user(ANN, "Ann"), server.user(BOB, "Bob")
        server.user(ADMIN, "Tom")
        server.set_admin(GROUP, ADMIN)
        server.push_message(ann, "/challenge 2 5", chat_id=GROUP, chat_type="supergroup")
        first = server.wait_for_poll(GROUP)
        answer(server, ann, first, True)
        answer(server, bob, first, False)
        second = server.wait_for_poll(GROUP, after=1, timeout=15)
        answer(server, ann, second, True)
        server.wait_for_message(GROUP, contains="Round over", timeout=20)
        # Eve joins and never plays; Telegram counts 6 members (with the bot).
        eve = server.user(EVE, "Eve")
        server.push_raw(
            {
                "message": {
                    "message_id": 5000,
                    "from": eve.to_dict(),
                    "chat": {"id": GROUP, "type": "supergroup", "title": "Class"},
                    "date": int(time.time()),
                    "new_chat_members": [eve.to_dict()],
                }
            }
        )
        server.set_member_count(GROUP, 6)
        server.wait_for(lambda: roster_size(database) == 1, 10, "Eve in the roster")
        yield world
        bot.stop()
        assert "Traceback" not in bot.log, bot.log[-3000:]
        assert world.url not in bot.log or "tgWebAppData" not in bot.log
        assert "hash=" not in bot.log and TOKEN not in bot.log


def roster_size(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM group_members").fetchone()[0])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium`"
            " (make test does) or set CHROMIUM_PATH",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Opened:
    def __init__(self, page: Page, console_errors: list[str]) -> None:
        self.page = page
        self.console_errors = console_errors

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def open_app(browser: Browser, world: World) -> Iterator[Any]:
    contexts = []

    def _open(
        user_id: int,
        name: str,
        *,
        start_param: str | None = None,
        theme: dict[str, str] = LIGHT,
        token: str = TOKEN,
        auth_date: datetime | None = None,
        init_data: str | None = None,
        language_code: str = "en",
    ) -> Opened:
        if init_data is None:
            init_data = build_init_data(
                token,
                {"id": user_id, "first_name": name, "language_code": language_code},
                auth_date or datetime.now(UTC),
                start_param=start_param,
            )
        fragment = (
            f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"
            f"&tgWebAppPlatform=unknown&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}"
        )
        context = browser.new_context(viewport=PHONE, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.goto(world.url + "#" + fragment)
        return Opened(page, errors)

    yield _open
    for context in contexts:
        context.close()


def text(page: Page, selector: str) -> str:
    return page.locator(selector).inner_text()


def test_learner_sees_own_numbers_light(open_app: Any, world: World) -> None:
    opened = open_app(LEARNER, "Ada")
    page = opened.page
    page.wait_for_selector("#headline")
    assert text(page, "h1") == "Hi, Ada"
    assert text(page, "#stat-answers b") == "2"
    assert text(page, "#stat-accuracy b") == "50%"
    assert text(page, "#stat-missed b") == "1"
    # Both questions, new a minute ago, are due again before the next daily prompt.
    assert text(page, "#stat-due b") == "2"
    assert page.locator("#forecast rect").count() == 14
    assert page.locator("#heatmap rect").count() == 84
    assert page.locator("#mastery .deck").count() >= 1
    missed = page.locator("#missed .missed")
    assert missed.count() == 1 and world.missed_question in missed.inner_text()
    opened.screenshot("learner-light")
    # The button sends the question as a quiz poll to the learner's chat.
    polls = world.server.poll_count(LEARNER)
    missed.locator("button").click()
    page.wait_for_selector("#missed .ok")
    poll = world.server.wait_for_poll(LEARNER, after=polls)
    assert poll["poll"]["question"] == world.missed_question
    assert opened.console_errors == []


def test_learner_dark_theme_follows_telegram(open_app: Any) -> None:
    opened = open_app(LEARNER, "Ada", theme=DARK)
    page = opened.page
    page.wait_for_selector("#headline")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    colour = page.evaluate("getComputedStyle(document.body).color")
    assert (background, colour) == ("rgb(33, 33, 33)", "rgb(255, 255, 255)")
    assert page.evaluate("document.documentElement.dataset.scheme") == "dark"
    opened.screenshot("learner-dark")
    assert opened.console_errors == []


def test_learner_view_in_russian(open_app: Any) -> None:
    """Telegram's language_code picks the page's language: Russian labels, Russian plurals,
    weekday initials as Russian writes them."""
    opened = open_app(LEARNER, "Ada", language_code="ru")
    page = opened.page
    page.wait_for_selector("#headline")
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert text(page, "h1") == "Привет, Ada"
    assert text(page, "#stat-answers span") == "ответа"  # 2 answers
    assert text(page, "#stat-missed span") == "повторить"
    assert page.locator("h2").all_inner_texts()[:3] == [
        "К повторению в ближайшие 14 дней",
        "Активность за последние 12 недель",
        "Усвоено по колодам",
    ]
    assert page.locator("#heatmap > text").all_text_contents() == ["П", "С", "П"]
    assert page.locator("#missed button").inner_text() == "Спросить в чате"
    opened.screenshot("learner-ru")
    assert opened.console_errors == []


def test_teacher_view_in_spanish_and_refusal_in_russian(open_app: Any) -> None:
    opened = open_app(ADMIN, "Tom", start_param=f"g{GROUP}", language_code="es")
    page = opened.page
    page.wait_for_selector("#matrix-table")
    assert text(page, "h1") == "Resultados del grupo"
    assert text(page, "#matrix-count") == "2 estudiantes"
    assert "Nunca han jugado: Eve." in text(page, "#never-played")
    assert opened.console_errors == []
    # Refused before the server says which language: Telegram's, as the page sees it.
    refused = open_app(BOB, "Bob", start_param=f"g{GROUP}", language_code="ru")
    refused.page.wait_for_selector("#error")
    assert text(refused.page, "#error") == "Панель этой группы доступна только её администраторам."


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_teacher_sees_the_group(open_app: Any, world: World, theme: str) -> None:
    opened = open_app(
        ADMIN, "Tom", start_param=f"g{GROUP}", theme=LIGHT if theme == "light" else DARK
    )
    page = opened.page
    page.wait_for_selector("#matrix-table")
    assert text(page, "#stat-members b") == "6"
    assert text(page, "#stat-played b") == "2"
    assert text(page, "#stat-week b") == "2"
    never = text(page, "#never-played")
    assert "Never played: Eve." in never
    assert "never played): 2." in never  # 6 − the bot − Ann, Bob − Eve
    rows = page.locator("#matrix-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").all_inner_texts()[:2] == ["Ann", str(points(world, ANN))]
    assert [c for c in rows.nth(0).locator("td").all_inner_texts()[4:]] == ["✓", "✓"]
    assert [c for c in rows.nth(1).locator("td").all_inner_texts()[4:]] == ["✗", "·"]
    assert page.locator("#matrix-table th.accuracy").all_inner_texts() == ["50%", "100%"]
    # Sorting by name (a second click: Z to A) puts Bob first; a row opens that student's
    # weekly trend.
    page.locator("#matrix-table th.name").first.click()
    expect(page.locator("#matrix-table th.name").first).to_contain_text("▲")
    page.locator("#matrix-table th.name").first.click()
    # (A locator, not wait_for_function: the page's CSP forbids evaluating strings.)
    expect(page.locator("#matrix-table tbody td.name").first).to_have_text("Bob")
    page.locator("#matrix-table tbody tr").nth(1).click()
    page.wait_for_selector("#trend-chart")
    assert "Ann" in text(page, "#trend h2")
    opened.screenshot(f"teacher-{theme}")
    assert opened.console_errors == []


def points(world: World, user_id: int) -> int:
    with sqlite3.connect(world.bot.database) as db:
        row = db.execute(
            "SELECT points FROM challenge_totals WHERE chat_id = ? AND period = 'all'"
            " AND user_id = ?",
            (GROUP, user_id),
        ).fetchone()
    return int(row[0])


def test_teacher_downloads_csv_and_starts_a_challenge(open_app: Any, world: World) -> None:
    opened = open_app(ADMIN, "Tom", start_param=f"g{GROUP}")
    page = opened.page
    page.wait_for_selector("#matrix-table")
    with page.expect_download() as download_info:
        page.locator("#csv").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["user_id", "first_name", "question_id"]
    results = sorted((row[1], row[6]) for row in rows[1:])
    assert results == [("Ann", "1"), ("Ann", "1"), ("Bob", "0")]  # name, right
    polls = world.server.poll_count(GROUP)
    page.locator("#start-challenge").click()
    page.wait_for_selector("#challenge-status.ok")
    world.server.wait_for_poll(GROUP, after=polls)
    assert opened.console_errors == []
    world.server.wait_for_message(GROUP, contains="Round over", after=0, timeout=30)


def test_non_admin_is_refused(open_app: Any) -> None:
    opened = open_app(BOB, "Bob", start_param=f"g{GROUP}")
    page = opened.page
    page.wait_for_selector("#error")
    assert "Only this group's admins" in text(page, "#error")
    assert page.locator("#matrix-table").count() == 0
    opened.screenshot("teacher-refused")
    assert [e for e in opened.console_errors if REFUSED_REQUEST not in e] == []


@pytest.mark.parametrize(
    "case", ["forged", "expired", "other-bot", "missing"], ids=lambda case: case
)
def test_bad_initdata_shows_an_error_not_data(open_app: Any, case: str) -> None:
    if case == "forged":
        real = build_init_data(TOKEN, {"id": LEARNER, "first_name": "Ada"}, datetime.now(UTC))
        opened = open_app(LEARNER, "Ada", init_data=real.replace("Ada", "Adb"))
    elif case == "expired":
        opened = open_app(LEARNER, "Ada", auth_date=datetime.now(UTC) - timedelta(hours=2))
    elif case == "other-bot":
        opened = open_app(LEARNER, "Ada", token="999999:ANOTHER-BOT")
    else:
        opened = open_app(LEARNER, "Ada", init_data="")
    page = opened.page
    page.wait_for_selector("#error")
    assert "only opens from Telegram" in text(page, "#error")
    assert page.locator("#headline").count() == 0
    assert "Ada" not in page.content().replace("Adb", "")
    if case == "forged":
        opened.screenshot("forged-initdata")
    assert [e for e in opened.console_errors if REFUSED_REQUEST not in e] == []


def test_first_load_is_fast_and_light(open_app: Any) -> None:
    opened = open_app(LEARNER, "Ada")
    page = opened.page
    page.wait_for_selector("#headline")
    rendered_ms = page.evaluate("performance.now()")
    weight = page.evaluate(
        "(() => { const all = performance.getEntriesByType('navigation')"
        ".concat(performance.getEntriesByType('resource'));"
        " return [all.reduce((s, e) => s + e.transferSize, 0),"
        " all.reduce((s, e) => s + e.decodedBodySize, 0)]; })()"
    )
    print(f"first load {rendered_ms:.0f} ms; transferred {weight[0]} B, decoded {weight[1]} B")
    assert weight[1] < 200_000 and weight[0] < 200_000
    assert rendered_ms < 1000
