"""A sample learner for the /stats benchmark and the README picture: real SQLite, real FSRS.

Twelve-plus weeks of study in Europe/Berlin: most days a session, some days off, heavier
weekends; each answer is right with the chance FSRS predicts (a little better for items
studied often), stored through `AnswerRepository.record` with the memory state it leads to,
exactly as the bot stores a quiz answer.

By default the learner picks questions at random among those met so far, many times a day:
crammed reviews, so no memory grows to last weeks. With `when_due=True` they study as daily
revision asks: one session a day, each question at most once, the ones due first (most
overdue first), then new ones; an answer is right with the chance FSRS predicts, less an
occasional slip. After it they review the flashcards and prompts due, as the summary's
button offers, grading themselves. That history is what
`bench/stats_example.py` draws, so its mastery panel shows memories that truly last.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.content.models import CardItem, ContentBank, McqItem, PromptItem
from bot.domain.memory import Grade, MemoryState, grade_quiz_answer, recall_probability, review
from bot.storage import Storage
from bot.storage.records import NewAnswer

SAMPLE_ZONE = "Europe/Berlin"


async def build_sample_learner(
    storage: Storage,
    bank: ContentBank,
    *,
    user_id: int,
    answers: int,
    now: datetime,
    seed: int = 7,
    days: int = 90,
    when_due: bool = False,
) -> int:
    """Write the learner's history; the number of answers written (with `when_due`, a day
    ends early once nothing is due and nothing new is left)."""
    rng = random.Random(seed)
    await storage.users.upsert(user_id, "Ada", "ada", now - timedelta(days=days + 1))
    await storage.users.set_timezone(user_id, SAMPLE_ZONE)
    # The learner meets decks in order, so later decks are less mastered (as in real life).
    items = [item for deck in bank.decks for item in deck.items if isinstance(item, McqItem)]
    extras = [
        item
        for deck in bank.decks
        for item in deck.items
        if isinstance(item, CardItem | PromptItem)
    ]
    study_days = [day for day in range(days, -1, -1) if rng.random() < 0.8 or day == 0]
    weights = [
        rng.lognormvariate(0, 0.8) * (1.6 if (now - timedelta(days=day)).weekday() >= 5 else 1)
        for day in study_days
    ]
    counts = [max(1, int(answers * weight / sum(weights))) for weight in weights]
    counts[-1] = max(1, counts[-1] + answers - sum(counts))
    memories: dict[str, MemoryState] = {}
    written = 0
    for index, (day, count) in enumerate(zip(study_days, counts, strict=True)):
        count = min(count, answers - written)
        moment = now - timedelta(days=day, hours=rng.uniform(1, 6))
        unlocked = items[: max(8, int(len(items) * (index + 1) / len(study_days) * 1.2))]
        today = _daily_session(unlocked, memories, moment, count) if when_due else None
        for number in range(count if today is None else len(today)):
            item = rng.choice(unlocked) if today is None else today[number]
            previous = memories.get(item.id)
            # Memory decides, minus slips: misreading, mixing up two similar options.
            slips = 0.97 if when_due else 0.85
            chance = slips * recall_probability(previous, moment) if previous else 0.5
            correct = rng.random() < chance
            seconds = rng.uniform(3, 30)
            grade = grade_quiz_answer(correct, seconds, item.difficulty, previous)
            memories[item.id] = review(previous, item.id, grade, moment)
            written += 1
            await storage.answers.record(
                NewAnswer(
                    user_id=user_id,
                    item_id=item.id,
                    chat_id=user_id,
                    grade=grade.value,
                    correct=correct,
                    answered_at=moment,
                    context="quiz",
                    poll_id=None,  # no sent poll row: the answer stands on its own
                    chosen_option=item.correct_index if correct else (item.correct_index + 1) % 2,
                    seconds=round(seconds, 1),
                ),
                memories[item.id],
            )
            moment += timedelta(seconds=seconds + 5)
        if when_due:
            met = extras[: max(3, int(len(extras) * (index + 1) / len(study_days) * 1.2))]
            written += await _review_due_extras(storage, user_id, met, memories, moment, rng)
    return written


async def _review_due_extras(
    storage: Storage,
    user_id: int,
    met: list[CardItem | PromptItem],
    memories: dict[str, MemoryState],
    moment: datetime,
    rng: random.Random,
) -> int:
    """After the quiz, the review the daily summary offers: the flashcards and prompts due by
    the next session, and (as /cards would) up to two not seen yet. The learner grades
    themselves: Good when they recalled it (FSRS's chance, less a slip), else Again."""
    tomorrow = moment + timedelta(days=1)
    due = [item for item in met if item.id in memories and memories[item.id].due <= tomorrow]
    new = [item for item in met if item.id not in memories][:2]
    for item in due + new:
        previous = memories.get(item.id)
        chance = 0.97 * recall_probability(previous, moment) if previous else 0.6
        recalled = rng.random() < chance
        grade = Grade.GOOD if recalled else Grade.AGAIN
        memories[item.id] = review(previous, item.id, grade, moment)
        await storage.answers.record(
            NewAnswer(
                user_id=user_id,
                item_id=item.id,
                chat_id=user_id,
                grade=grade.value,
                correct=recalled,
                answered_at=moment,
                context="review",
            ),
            memories[item.id],
        )
        moment += timedelta(seconds=rng.uniform(8, 40))
    return len(due) + len(new)


def _daily_session(
    unlocked: list[McqItem], memories: dict[str, MemoryState], moment: datetime, size: int
) -> list[McqItem]:
    """A day's session as daily revision plans one: each question at most once, those due by
    the next day's session first (most overdue first), then ones not met yet."""
    tomorrow = moment + timedelta(days=1)
    due = sorted(
        (item for item in unlocked if item.id in memories and memories[item.id].due <= tomorrow),
        key=lambda item: memories[item.id].due,
    )
    new = [item for item in unlocked if item.id not in memories]
    return (due + new)[:size]
