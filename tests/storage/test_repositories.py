"""The repositories over a real SQLite file: users, polls, answers, reviews, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.domain.clock import ManualClock
from bot.domain.memory import Grade, MemoryState, review
from bot.storage import Storage
from bot.storage.database import IntegrityError
from bot.storage.records import NewAnswer, SentPoll

PLUS_TWO = timezone(timedelta(hours=2))


async def count(storage: Storage, table: str, user_id: int | None = None) -> int:
    query = f"SELECT COUNT(*) FROM {table}"
    params: tuple[object, ...] = ()
    if user_id is not None:
        query += " WHERE user_id = ?"
        params = (user_id,)
    row = await storage.db.fetch_one(query, params)
    assert row is not None
    return int(row[0])


def answer(
    user_id: int,
    now: datetime,
    *,
    item_id: str = "mvd-quiz-monitoring",
    poll_id: str | None = "answered-0",
    correct: bool = True,
    session_id: int | None = None,
    seconds: float | None = 4.5,
) -> NewAnswer:
    return NewAnswer(
        user_id=user_id,
        item_id=item_id,
        chat_id=user_id,
        grade="good" if correct else "again",
        correct=correct,
        answered_at=now,
        context="quiz",
        poll_id=poll_id,
        chosen_option=1,
        seconds=seconds,
        session_id=session_id,
        points=0,
    )


def poll(poll_id: str, now: datetime, **overrides: object) -> SentPoll:
    values: dict[str, object] = {
        "poll_id": poll_id,
        "chat_id": 11,
        "message_id": 100,
        "item_id": "mvd-quiz-monitoring",
        "option_order": (3, 0, 2, 1),
        "sent_at": now,
        "context": "quiz",
        "session_id": None,
        "open_period": None,
    }
    values.update(overrides)
    return SentPoll(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
async def sent_polls_answered_here(storage: Storage, clock: ManualClock) -> None:
    """Answers reference their sent poll: the poll ids these tests answer are stored first."""
    for number in range(10):
        await storage.polls.add(poll(f"answered-{number}", clock.now(), message_id=1000 + number))


# --- users ------------------------------------------------------------------------


async def test_upsert_creates_then_refreshes_and_reactivates(
    storage: Storage, clock: ManualClock
) -> None:
    user, created = await storage.users.upsert(11, "Ada", "ada", clock.now())
    assert created is True
    assert (user.first_name, user.username, user.active) == ("Ada", "ada", True)
    assert user.daily_size == 5
    assert user.desired_retention == 0.9
    await storage.users.set_active(11, False)
    user, created = await storage.users.upsert(11, "Ada L.", None, clock.now())
    assert created is False
    assert (user.first_name, user.username, user.active) == ("Ada L.", None, True)


async def test_ensure_keeps_an_existing_learners_settings(
    storage: Storage, clock: ManualClock
) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    await storage.users.set_active(11, False)
    await storage.users.set_timezone(11, "Europe/Berlin")
    await storage.users.ensure(11, "Ada Renamed", "ada", clock.now())
    user = await storage.users.get(11)
    assert user is not None
    assert user.first_name == "Ada Renamed"
    assert user.active is False
    assert user.timezone == "Europe/Berlin"


async def test_user_settings_round_trip(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    await storage.users.set_active_deck(11, "ci-cd-fundamentals")
    await storage.users.set_last_item(11, "mvd-quiz-monitoring")
    await storage.users.set_timezone(11, "UTC+02:00")
    await storage.users.set_daily_time(11, "07:30")
    await storage.users.set_daily_size(11, 8)
    await storage.users.set_retention(11, 0.85)
    user = await storage.users.get(11)
    assert user is not None
    assert user.active_deck == "ci-cd-fundamentals"
    assert user.last_item_id == "mvd-quiz-monitoring"
    assert user.timezone == "UTC+02:00"
    assert user.daily_time == "07:30"
    assert user.daily_size == 8
    assert user.desired_retention == 0.85


async def test_unknown_user_is_none(storage: Storage) -> None:
    assert await storage.users.get(404) is None


async def test_with_daily_revision_lists_only_active_learners_with_a_time(
    storage: Storage, clock: ManualClock
) -> None:
    for user_id in (3, 1, 2, 4):
        await storage.users.upsert(user_id, f"u{user_id}", None, clock.now())
    await storage.users.set_daily_time(1, "08:00")
    await storage.users.set_daily_time(3, "09:00")
    await storage.users.set_daily_time(4, "10:00")
    await storage.users.set_active(4, False)
    await storage.users.set_daily_time(2, "07:00")
    await storage.users.set_daily_time(2, None)
    assert [u.user_id for u in await storage.users.with_daily_revision()] == [1, 3]


async def test_claim_daily_only_once_per_local_date(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    assert await storage.users.claim_daily(11, "2026-11-02") is True
    assert await storage.users.claim_daily(11, "2026-11-02") is False
    assert await storage.users.claim_daily(11, "2026-11-01") is False
    assert await storage.users.claim_daily(11, "2026-11-03") is True
    user = await storage.users.get(11)
    assert user is not None and user.last_daily_date == "2026-11-03"


async def test_claim_daily_for_an_unknown_user_is_false(storage: Storage) -> None:
    assert await storage.users.claim_daily(404, "2026-11-02") is False


async def test_deleting_a_user_cascades_answers_reviews_and_sessions(
    storage: Storage, clock: ManualClock
) -> None:
    for user_id in (11, 22):
        await storage.users.upsert(user_id, "x", None, clock.now())
        memory = review(None, "mvd-quiz-monitoring", Grade.GOOD, clock.now())
        await storage.polls.add(poll(f"p{user_id}", clock.now(), chat_id=user_id))
        await storage.answers.record(answer(user_id, clock.now(), poll_id=f"p{user_id}"), memory)
        await storage.sessions.start(user_id, "test", "mlops-vs-devops", ["a-one"], clock.now())

    await storage.users.delete(11)

    assert await storage.users.get(11) is None
    for table in ("answers", "review_state", "sessions"):
        assert await count(storage, table, 11) == 0, table
        assert await count(storage, table, 22) == 1, table
    assert await storage.polls.get("p11") is None
    assert await storage.polls.get("p22") is not None
    assert await storage.reviews.all_for(22) != {}


# --- polls ------------------------------------------------------------------------


async def test_poll_round_trips_option_order_and_aware_utc_time(
    storage: Storage, clock: ManualClock
) -> None:
    sent_local = clock.now().astimezone(PLUS_TWO)
    original = poll("poll-1", sent_local, session_id=7, open_period=30, context="challenge")
    await storage.polls.add(original)
    stored = await storage.polls.get("poll-1")
    assert stored == original
    assert stored is not None
    assert stored.option_order == (3, 0, 2, 1)
    assert isinstance(stored.option_order, tuple)
    assert stored.content_index(0) == 3
    assert stored.sent_at.utcoffset() == timedelta(0)
    assert stored.sent_at == clock.now()


async def test_unknown_poll_is_none(storage: Storage) -> None:
    assert await storage.polls.get("nope") is None
    assert await storage.polls.by_message(1, 2) is None
    assert await storage.polls.latest_in_chat(1) is None


async def test_poll_by_message_and_latest_in_chat(storage: Storage, clock: ManualClock) -> None:
    """Group lookups (/explain in a group); a private chat's polls are found by poll id."""
    now, group = clock.now(), -1001
    await storage.polls.add(poll("p1", now, chat_id=group, message_id=1, context="challenge"))
    await storage.polls.add(poll("p2", now + timedelta(minutes=1), chat_id=group, message_id=2))
    await storage.polls.add(
        poll("p3", now + timedelta(minutes=2), chat_id=group, message_id=3, context="challenge")
    )
    await storage.polls.add(poll("other", now + timedelta(minutes=3), chat_id=-99, message_id=4))
    await storage.polls.add(poll("private", now + timedelta(minutes=4), message_id=2))
    by_message = await storage.polls.by_message(group, 2)
    assert by_message is not None and by_message.poll_id == "p2"
    latest = await storage.polls.latest_in_chat(group)
    assert latest is not None and latest.poll_id == "p3"
    latest_quiz = await storage.polls.latest_in_chat(group, "quiz")
    assert latest_quiz is not None and latest_quiz.poll_id == "p2"
    assert await storage.polls.by_message(11, 2) is None  # not a group


async def test_polls_for_session_in_sent_order(storage: Storage, clock: ManualClock) -> None:
    now = clock.now()
    await storage.polls.add(poll("late", now + timedelta(seconds=5), session_id=1, context="test"))
    await storage.polls.add(poll("early", now, session_id=1, context="test"))
    await storage.polls.add(poll("other-session", now, session_id=2, context="test"))
    await storage.polls.add(poll("other-context", now, session_id=1, context="daily"))
    polls = await storage.polls.for_session(1, "test")
    assert [p.poll_id for p in polls] == ["early", "late"]


async def test_adopting_a_poll_confirmed_meanwhile_keeps_it_and_the_other_chats_intent(
    storage: Storage, clock: ManualClock
) -> None:
    """Bea's sendPoll answered after the `poll` update looked the poll up; Ada's failed send
    of the same question in the same shuffle is the only intent left. Adopting must not
    take Ada's intent and hand back Bea's poll in Ada's chat."""
    now, intents = clock.now(), storage.poll_intents
    await intents.add(21, "q1", [2, 0, 1], now, "quiz", None, None)  # Ada: 500, never arrived
    bea = await intents.add(22, "q1", [2, 0, 1], now, "quiz", None, None)
    await intents.confirm(bea, bea.sent_poll("p-bea", 35, now))

    adopted = await intents.adopt("p-bea", "q1", [2, 0, 1], now)

    assert adopted is not None and (adopted.chat_id, adopted.message_id) == (22, 35)
    stored = await storage.polls.get("p-bea")
    assert stored is not None and stored.chat_id == 22
    assert await intents.unconfirmed_chats("q1", [2, 0, 1]) == [21]


# --- answers and memory state -----------------------------------------------------


async def test_record_is_idempotent_per_poll_and_user(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    first_memory = review(None, "mvd-quiz-monitoring", Grade.GOOD, clock.now())
    assert await storage.answers.record(answer(11, clock.now()), first_memory) is True

    clock.advance(timedelta(seconds=3))
    duplicate_memory = review(None, "mvd-quiz-monitoring", Grade.AGAIN, clock.now())
    redelivered = answer(11, clock.now(), correct=False)
    assert await storage.answers.record(redelivered, duplicate_memory) is False

    assert await count(storage, "answers") == 1
    (stored,) = await storage.answers.for_user(11)
    assert stored.correct is True
    assert await storage.reviews.get(11, "mvd-quiz-monitoring") == first_memory


async def test_same_poll_answered_by_two_users_is_two_answers(
    storage: Storage, clock: ManualClock
) -> None:
    for user_id in (11, 22):
        await storage.users.upsert(user_id, "x", None, clock.now())
        assert await storage.answers.record(answer(user_id, clock.now()), None) is True
    assert await count(storage, "answers") == 2


async def test_answers_without_a_poll_are_not_deduplicated(
    storage: Storage, clock: ManualClock
) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    for _ in range(2):
        assert await storage.answers.record(answer(11, clock.now(), poll_id=None), None) is True
    assert len(await storage.answers.for_user(11)) == 2


async def test_record_with_no_memory_leaves_review_state_alone(
    storage: Storage, clock: ManualClock
) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    assert await storage.answers.record(answer(11, clock.now()), None) is True
    assert await storage.reviews.all_for(11) == {}


async def test_record_for_an_unknown_user_fails_and_stores_nothing(
    storage: Storage, clock: ManualClock
) -> None:
    memory = review(None, "mvd-quiz-monitoring", Grade.GOOD, clock.now())
    with pytest.raises(IntegrityError):
        await storage.answers.record(answer(404, clock.now()), memory)
    assert await count(storage, "answers") == 0
    assert await count(storage, "review_state") == 0


async def test_later_answer_updates_the_memory_state(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    first = review(None, "mvd-quiz-monitoring", Grade.GOOD, clock.now())
    await storage.answers.record(answer(11, clock.now(), poll_id="answered-1"), first)
    clock.advance(timedelta(days=1))
    second = review(first, "mvd-quiz-monitoring", Grade.AGAIN, clock.now())
    await storage.answers.record(
        answer(11, clock.now(), poll_id="answered-2", correct=False), second
    )
    assert await storage.reviews.get(11, "mvd-quiz-monitoring") == second
    # What FSRS predicted for the second answer is kept for the learner's calibration.
    assert second.recall_predicted > 0 and first.recall_predicted == 0
    assert await count(storage, "review_state") == 1


async def test_memory_state_round_trips_exactly(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    memory = review(None, "mvd-quiz-monitoring", Grade.GOOD, clock.now())
    memory = review(memory, "mvd-quiz-monitoring", Grade.GOOD, memory.due)
    await storage.answers.record(answer(11, clock.now()), memory)
    stored = await storage.reviews.get(11, "mvd-quiz-monitoring")
    assert stored == memory
    assert stored is not None
    assert stored.due.utcoffset() == timedelta(0)
    assert stored.last_review is not None and stored.last_review.utcoffset() == timedelta(0)
    assert await storage.reviews.all_for(11) == {"mvd-quiz-monitoring": memory}
    assert await storage.reviews.get(11, "other") is None


async def test_memory_without_last_review_round_trips(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    memory = MemoryState("x-item", 1, 0, None, None, clock.now(), None)
    await storage.answers.record(answer(11, clock.now(), item_id="x-item"), memory)
    assert await storage.reviews.get(11, "x-item") == memory


async def test_answer_queries(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    start = clock.now()
    entries = [
        ("a-one", False, 0),
        ("a-two", True, 1),
        ("a-one", True, 2),
        ("a-three", False, 3),
    ]
    for number, (item_id, correct, day) in enumerate(entries):
        await storage.answers.record(
            answer(
                11,
                start + timedelta(days=day),
                item_id=item_id,
                poll_id=f"answered-{number}",
                correct=correct,
                session_id=5 if day >= 2 else None,
            ),
            None,
        )
    assert await storage.answers.totals_by_item(11) == {
        "a-one": (2, 1),
        "a-two": (1, 1),
        "a-three": (1, 0),
    }
    since = start + timedelta(days=1)
    assert await storage.answers.answer_times_since(11, since) == [
        start + timedelta(days=d) for d in (1, 2, 3)
    ]
    assert await storage.answers.missed_since(11, start) == {"a-one", "a-three"}
    assert await storage.answers.missed_since(11, since) == {"a-three"}
    in_session = await storage.answers.for_session(11, 5)
    assert [(a.item_id, a.correct) for a in in_session] == [("a-one", True), ("a-three", False)]
    assert all(a.answered_at.utcoffset() == timedelta(0) for a in in_session)


# --- sessions ---------------------------------------------------------------------


async def test_session_starts_at_position_zero(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    session = await storage.sessions.start(11, "test", "deck", ["q1", "q2"], clock.now())
    assert session.item_ids == ("q1", "q2")
    assert session.position == 0
    assert session.next_item_id == "q1"
    assert session.finished_at is None
    assert await storage.sessions.open_session(11, "test") == session


async def test_advance_is_compare_and_set(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    session = await storage.sessions.start(11, "test", "deck", ["q1", "q2"], clock.now())
    assert await storage.sessions.advance(session.id, 0) is True
    assert await storage.sessions.advance(session.id, 0) is False
    moved = await storage.sessions.get(session.id)
    assert moved is not None
    assert moved.position == 1
    assert moved.next_item_id == "q2"
    assert await storage.sessions.advance(session.id, 1) is True
    done = await storage.sessions.get(session.id)
    assert done is not None and done.next_item_id is None


async def test_step_back_undoes_one_advance_only(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    session = await storage.sessions.start(11, "test", "deck", ["q1", "q2"], clock.now())
    assert await storage.sessions.advance(session.id, 0) is True
    await storage.sessions.step_back(session.id, 1)
    await storage.sessions.step_back(session.id, 1)  # the cursor is no longer there: no-op
    back = await storage.sessions.get(session.id)
    assert back is not None and back.position == 0 and back.next_item_id == "q1"


async def test_reopen_lets_finish_succeed_again(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    session = await storage.sessions.start(11, "test", "deck", ["q1"], clock.now())
    assert await storage.sessions.finish(session.id, clock.now()) is True
    await storage.sessions.reopen(session.id)
    assert await storage.sessions.open_session(11, "test") is not None
    assert await storage.sessions.finish(session.id, clock.now()) is True


async def test_finish_returns_true_once(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    session = await storage.sessions.start(11, "daily", "deck", ["q1"], clock.now())
    clock.advance(timedelta(minutes=5))
    assert await storage.sessions.finish(session.id, clock.now()) is True
    assert await storage.sessions.finish(session.id, clock.now()) is False
    finished = await storage.sessions.get(session.id)
    assert finished is not None and finished.finished_at == clock.now()
    assert await storage.sessions.open_session(11, "daily") is None
    assert await storage.sessions.advance(session.id, 0) is False


async def test_starting_a_session_closes_the_open_one_of_the_same_kind(
    storage: Storage, clock: ManualClock
) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    old_test = await storage.sessions.start(11, "test", "deck", ["q1"], clock.now())
    daily = await storage.sessions.start(11, "daily", "deck", ["q2"], clock.now())
    clock.advance(timedelta(minutes=1))
    new_test = await storage.sessions.start(11, "test", "deck", ["q3"], clock.now())
    closed = await storage.sessions.get(old_test.id)
    assert closed is not None and closed.finished_at == clock.now()
    assert await storage.sessions.open_session(11, "test") == new_test
    assert await storage.sessions.open_session(11, "daily") == daily


async def test_session_times_round_trip_as_aware_utc(storage: Storage, clock: ManualClock) -> None:
    await storage.users.upsert(11, "Ada", None, clock.now())
    local = clock.now().astimezone(PLUS_TWO)
    session = await storage.sessions.start(11, "test", "deck", ["q1"], local)
    assert session.started_at == clock.now()
    assert session.started_at.tzinfo is not None
    assert session.started_at.utcoffset() == timedelta(0)
    assert session.started_at.hour == 8


async def test_unknown_session_is_none(storage: Storage) -> None:
    assert await storage.sessions.get(12345) is None


# --- durability -------------------------------------------------------------------


async def test_data_survives_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "durable.sqlite3"
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    memory = review(None, "mvd-quiz-monitoring", Grade.GOOD, now)

    first = Storage(path)
    await first.open()
    await first.users.upsert(11, "Ada", "ada", now)
    await first.users.set_timezone(11, "Europe/Berlin")
    await first.polls.add(poll("poll-1", now))
    await first.answers.record(answer(11, now, poll_id="poll-1"), memory)
    session = await first.sessions.start(11, "test", "deck", ["q1", "q2"], now)
    await first.sessions.advance(session.id, 0)
    await first.close()

    second = Storage(path)
    await second.open()
    try:
        user = await second.users.get(11)
        assert user is not None and user.timezone == "Europe/Berlin"
        assert len(await second.answers.for_user(11)) == 1
        assert await second.reviews.get(11, "mvd-quiz-monitoring") == memory
        assert await second.polls.get("poll-1") == poll("poll-1", now)
        reopened = await second.sessions.get(session.id)
        assert reopened is not None and reopened.position == 1
        # The duplicate check still holds after a restart.
        assert await second.answers.record(answer(11, now, poll_id="poll-1"), None) is False
    finally:
        await second.close()


async def test_an_answer_to_a_poll_never_stored_is_refused_loudly(
    storage: Storage, clock: ManualClock
) -> None:
    """Stored without its poll it would escape the (poll, user) uniqueness: refused instead."""
    await storage.users.upsert(11, "Ada", None, clock.now())
    with pytest.raises(IntegrityError):
        await storage.answers.record(answer(11, clock.now(), poll_id="never-sent"), None)
    assert await count(storage, "answers", 11) == 0
