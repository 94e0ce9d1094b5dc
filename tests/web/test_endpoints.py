"""The Mini App's endpoints over HTTP (aiohttp's test client), on data made through PTB: a
round played in a group (tests/handlers/test_groupstats.py) and a learner's quiz answers."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.models import ContentBank, McqItem
from bot.domain.clock import ManualClock
from bot.flows.dashboard import CSV_HEADER
from bot.handlers.dashboard import TelegramChatActions
from bot.web.auth import build_init_data
from bot.web.server import DashboardApp
from tests.conftest import Harness, running_harness
from tests.handlers.test_challenge import GROUP
from tests.handlers.test_groupstats import play_round

TOKEN = "123456:TEST"  # tests.conftest.make_settings
ADMIN = 4
LEARNER = 9


@pytest.fixture
async def harness(
    tmp_path: Path, clock: ManualClock, bank: ContentBank, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    async with running_harness(
        tmp_path, clock, bank, caplog, group_max_rate_per_minute=100_000
    ) as running:
        yield running


@pytest.fixture
async def client(harness: Harness) -> AsyncIterator[TestClient[Any, Any]]:
    web = DashboardApp(
        storage=harness.services.storage,
        bank=lambda: harness.services.bank,
        clock=harness.clock,
        bot_token=TOKEN,
        actions=TelegramChatActions(harness.app),
    )
    async with TestClient(TestServer(web.build())) as test_client:
        yield test_client


def auth(
    harness: Harness,
    user_id: int,
    name: str = "Ada",
    token: str = TOKEN,
    language_code: str | None = None,
) -> dict[str, str]:
    user: dict[str, object] = {"id": user_id, "first_name": name}
    if language_code is not None:
        user["language_code"] = language_code
    init_data = build_init_data(token, user, harness.clock.now() - timedelta(minutes=1))
    return {"Authorization": "tma " + init_data}


async def learner_misses_one(harness: Harness) -> McqItem:
    """The learner answers one quiz question right and one wrong; returns the missed one."""
    ada = harness.user(LEARNER, "Ada")
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], poll["correct_option_ids"][0])
    await harness.command(ada, "/quiz")
    poll = harness.last_poll()["poll"]
    await harness.answer_poll(ada, poll["id"], (poll["correct_option_ids"][0] + 1) % 2)
    sent = await harness.services.storage.polls.get(poll["id"])
    assert sent is not None
    item = harness.services.bank.item(sent.item_id)
    assert isinstance(item, McqItem)
    return item


async def test_no_or_forged_or_foreign_initdata_gets_401_and_no_data(
    harness: Harness, client: TestClient[Any, Any]
) -> None:
    await learner_misses_one(harness)
    forged = auth(harness, LEARNER)["Authorization"].replace("id%22%3A9", "id%22%3A8")
    for headers in (
        {},
        {"Authorization": "tma "},
        {"Authorization": forged},
        auth(harness, LEARNER, token="654321:OTHER"),
    ):
        for method, path in (("GET", "/api/me"), ("GET", f"/api/group/{GROUP['id']}/summary")):
            response = await client.request(method, path, headers=headers)
            assert response.status == 401
            assert await response.json() == {"error": "unauthorized"}


async def test_expired_initdata_is_refused(harness: Harness, client: TestClient[Any, Any]) -> None:
    await learner_misses_one(harness)
    headers = auth(harness, LEARNER)
    assert (await client.get("/api/me", headers=headers)).status == 200
    harness.clock.advance(timedelta(hours=1, minutes=1))
    assert (await client.get("/api/me", headers=headers)).status == 401


async def test_learner_sees_own_numbers_and_missed_question(
    harness: Harness, client: TestClient[Any, Any]
) -> None:
    missed = await learner_misses_one(harness)
    response = await client.get("/api/me", headers=auth(harness, LEARNER))
    assert response.status == 200
    data = await response.json()
    assert data["name"] == "Ada"
    assert data["headline"]["answers"] == 2 and data["headline"]["correct"] == 1
    assert [q["item_id"] for q in data["missed"]] == [missed.id]
    assert data["missed"][0]["explanation"] == missed.explanation
    assert data["missed"][0]["correct"] == missed.correct
    assert sum(data["heatmap"]["counts"]) == 2
    assert len(data["forecast"]) == 14 and sum(data["forecast"]) == 2
    # Someone the bot never met gets a clear "unknown", not someone else's data.
    stranger = await client.get("/api/me", headers=auth(harness, 777))
    assert stranger.status == 404 and await stranger.json() == {"error": "unknown_learner"}


async def test_quiz_me_sends_the_missed_question_as_a_poll_to_the_learner(
    harness: Harness, client: TestClient[Any, Any]
) -> None:
    missed = await learner_misses_one(harness)
    harness.api.clear()
    response = await client.post(
        "/api/me/quiz", json={"item_id": missed.id}, headers=auth(harness, LEARNER)
    )
    assert response.status == 200
    [call] = harness.api.of("sendPoll")
    assert call.params["chat_id"] == LEARNER and call.params["question"] == missed.question
    bad = await client.post("/api/me/quiz", json={"item_id": "nope"}, headers=auth(harness, 9))
    assert bad.status == 400
    harness.api.block_user(LEARNER)  # blocked the bot since opening the page
    blocked = await client.post(
        "/api/me/quiz", json={"item_id": missed.id}, headers=auth(harness, LEARNER)
    )
    assert blocked.status == 409 and await blocked.json() == {"error": "not_delivered"}


async def test_group_data_is_for_its_admins_only(
    harness: Harness, client: TestClient[Any, Any]
) -> None:
    await play_round(harness)
    base = f"/api/group/{GROUP['id']}"
    for path in ("/summary", "/matrix", "/student/1"):
        response = await client.get(base + path, headers=auth(harness, 2, "Bob"))
        assert response.status == 403
        assert await response.json() == {"error": "not_admin"}
    refused = await client.post(base + "/export", headers=auth(harness, 2, "Bob"))
    assert refused.status == 403
    harness.api.set_admin(GROUP["id"], ADMIN)
    assert (await client.get(base + "/summary", headers=auth(harness, ADMIN))).status == 200


async def test_admin_cache_lasts_a_minute(harness: Harness, client: TestClient[Any, Any]) -> None:
    await play_round(harness)
    harness.api.set_admin(GROUP["id"], ADMIN)
    path = f"/api/group/{GROUP['id']}/summary"
    assert (await client.get(path, headers=auth(harness, ADMIN))).status == 200
    harness.api.server.set_member_status(GROUP["id"], ADMIN, "member")
    assert (await client.get(path, headers=auth(harness, ADMIN))).status == 200  # cached
    harness.clock.advance(timedelta(seconds=61))
    assert (await client.get(path, headers=auth(harness, ADMIN))).status == 403


async def test_teacher_matrix_summary_trend(harness: Harness, client: TestClient[Any, Any]) -> None:
    items = await play_round(harness)
    harness.api.set_admin(GROUP["id"], ADMIN)
    # Two members joined while the bot watched; one of them never played. 9 in the group.
    eve, ann = harness.user(5, "Eve"), harness.user(1, "Ann")
    await harness.send({"message": join_message([eve, ann], harness)})
    harness.api.server.set_member_count(GROUP["id"], 9)
    headers = auth(harness, ADMIN)
    base = f"/api/group/{GROUP['id']}"

    summary = await (await client.get(base + "/summary", headers=headers)).json()
    assert summary["member_count"] == 9
    assert (summary["played_ever"], summary["played_this_week"]) == (3, 3)
    assert [m["first_name"] for m in summary["never_played"]] == ["Eve"]
    assert summary["unseen"] == 9 - 1 - 3 - 1  # minus the bot, the players and Eve
    assert len(summary["weeks"]) == 1

    matrix = await (await client.get(base + "/matrix", headers=headers)).json()
    assert [q["item_id"] for q in matrix["questions"]] == items
    assert [(q["answers"], q["right"]) for q in matrix["questions"]] == [(3, 3), (3, 1), (2, 0)]
    rows = {s["first_name"]: s["cells"] for s in matrix["students"]}
    assert rows == {
        "Ann": ["right", "right", "wrong"],
        "Bob": ["right", "wrong", "wrong"],
        "Cat & Co": ["right", "wrong", None],
    }
    assert matrix["students"][0]["first_name"] == "Ann"  # most points first
    assert all(s["last_active"] for s in matrix["students"])

    by_name = await client.get(base + "/matrix?sort=name&order=desc&limit=2", headers=headers)
    page = await by_name.json()
    assert [s["first_name"] for s in page["students"]] == ["Cat & Co", "Bob"]
    assert page["total_students"] == 3
    week = summary["weeks"][0]
    in_week = await (await client.get(f"{base}/matrix?week={week}", headers=headers)).json()
    assert {s["first_name"]: s["cells"] for s in in_week["students"]} == rows
    empty_week = await client.get(f"{base}/matrix?week=2020-01-06", headers=headers)
    assert (await empty_week.json())["students"] == []
    for bad in ("week=2026-11-03", "week=monday", "deck=nope", "sort=age", "limit=1000"):
        assert (await client.get(f"{base}/matrix?{bad}", headers=headers)).status == 400

    trend = await (await client.get(base + "/student/1", headers=headers)).json()
    assert trend["first_name"] == "Ann"
    assert [(w["period"], w["right"]) for w in trend["weeks"]] == [(week, 2)]
    assert (await client.get(base + "/student/5", headers=headers)).status == 404


def join_message(users: list[dict[str, Any]], harness: Harness) -> dict[str, Any]:
    return {
        "message_id": 9001,
        "date": int(harness.clock.now().timestamp()),
        "chat": GROUP,
        "from": users[0],
        "new_chat_members": users,
    }


async def test_csv_download_by_signed_short_lived_link(
    harness: Harness, client: TestClient[Any, Any]
) -> None:
    await play_round(harness)
    harness.api.set_admin(GROUP["id"], ADMIN)
    link = await (
        await client.post(f"/api/group/{GROUP['id']}/export", headers=auth(harness, ADMIN))
    ).json()
    response = await client.get(link["url"])
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0] == list(CSV_HEADER)
    assert len(rows) == 1 + 8  # Ann 3, Bob 3, Cat 2 questions
    assert sum(int(row[6]) for row in rows[1:]) == 4
    tampered = link["url"].replace(str(GROUP["id"]), "-1002")
    assert (await client.get(tampered)).status == 401
    harness.clock.advance(timedelta(minutes=6))
    assert (await client.get(link["url"])).status == 401


async def test_admin_starts_a_challenge_from_a_deck(
    harness: Harness, client: TestClient[Any, Any], bank: ContentBank
) -> None:
    harness.api.set_admin(GROUP["id"], ADMIN)
    harness.api.server.set_chat(GROUP["id"], "supergroup", "Study group")
    deck = bank.decks[-1]
    path = f"/api/group/{GROUP['id']}/challenge"
    response = await client.post(path, json={"deck_id": deck.id}, headers=auth(harness, ADMIN))
    assert await response.json() == {"started": True}
    poll = harness.last_poll()
    assert poll["chat"]["id"] == GROUP["id"]
    assert bank.deck_of(next(i.id for i in deck.mcqs if i.question == poll["poll"]["question"]))
    again = await client.post(path, json={"deck_id": deck.id}, headers=auth(harness, ADMIN))
    assert await again.json() == {"started": False}
    bad = await client.post(path, json={"deck_id": "nope"}, headers=auth(harness, ADMIN))
    assert bad.status == 400


async def test_page_headers_forbid_framing_and_foreign_scripts(
    client: TestClient[Any, Any],
) -> None:
    page = await client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors https://web.telegram.org" in csp and "script-src 'self'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    script = await client.get("/static/telegram-web-app.js", skip_auto_headers={"Accept-Encoding"})
    assert b"window.Telegram" in await script.read()
    missing = await client.get("/static/nope.js")
    assert missing.status == 404 and "Content-Security-Policy" in missing.headers
    raw = await client.get("/static/app.js", auto_decompress=False)
    assert raw.headers.get("Content-Encoding") == "gzip"
    assert b"initData" in gzip.decompress(await raw.read())


async def test_the_page_speaks_the_learners_language(
    harness: Harness, client: TestClient[Any, Any]
) -> None:
    """Telegram's language_code (signed in initData) unless the learner chose one with
    /language; the texts come from the bot's catalogues, with each language's plural forms."""
    await learner_misses_one(harness)

    async def language(code: str | None) -> str:
        me = await client.get("/api/me", headers=auth(harness, LEARNER, language_code=code))
        return str((await me.json())["language"])

    assert [await language(code) for code in ("ru", "es-MX", "fr", None)] == [
        "ru",
        "es",
        "en",
        "en",
    ]
    await harness.command(harness.user(LEARNER, "Ada"), "/language es")
    assert await language("ru") == "es"

    russian = await client.get("/i18n/ru.json")
    assert russian.status == 200
    texts = await russian.json()
    assert texts["language"] == "ru" and texts["plural"] == ["one", "few", "many"]
    assert texts["messages"]["Questions to revisit"] == "Вопросы для повторения"
    assert texts["messages"]["{count} student"] == [
        "{count} ученик",
        "{count} ученика",
        "{count} учеников",
    ]
    spanish = await (await client.get("/i18n/es-MX.json")).json()
    assert spanish["language"] == "es" and spanish["plural"] == ["one", "many", "other"]
    assert spanish["messages"]["Mastery per deck"] == "Dominio por mazo"
    # Any other tag gets the English the page is written in; no initData is needed.
    other = await (await client.get("/i18n/fr.json")).json()
    assert other["language"] == "en" and other["plural"] == ["one", "other"]
    assert other["messages"]["Questions to revisit"] == "Questions to revisit"
    assert set(other["messages"]) == set(texts["messages"]) == set(spanish["messages"])
