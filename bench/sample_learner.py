"""A sample learner for the /stats benchmark and the README picture: real SQLite, real FSRS.

Twelve-plus weeks of study in Europe/Berlin: most days a session, some days off, heavier
weekends; each answer is right with the chance FSRS predicts (a little better for items
studied often), stored through `AnswerRepository.record` with the memory state it leads to,
exactly as the bot stores a quiz answer.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.content.models import ContentBank, McqItem
from bot.domain.memory import grade_quiz_answer, recall_probability, review
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
) -> None:
    rng = random.Random(seed)
    await storage.users.upsert(user_id, "Ada", "ada", now - timedelta(days=days + 1))
    await storage.users.set_timezone(user_id, SAMPLE_ZONE)
    # The learner meets decks in order, so later decks are less mastered (as in real life).
    items = [item for deck in bank.decks for item in deck.items if isinstance(item, McqItem)]
    study_days = [day for day in range(days, -1, -1) if rng.random() < 0.8 or day == 0]
    weights = [
        rng.lognormvariate(0, 0.8) * (1.6 if (now - timedelta(days=day)).weekday() >= 5 else 1)
        for day in study_days
    ]
    counts = [max(1, int(answers * weight / sum(weights))) for weight in weights]
    counts[-1] = max(1, counts[-1] + answers - sum(counts))
    memories = {}
    written = 0
    for index, (day, count) in enumerate(zip(study_days, counts, strict=True)):
        count = min(count, answers - written)
        moment = now - timedelta(days=day, hours=rng.uniform(1, 6))
        unlocked = items[: max(8, int(len(items) * (index + 1) / len(study_days) * 1.2))]
        for _ in range(count):
            item = rng.choice(unlocked)
            previous = memories.get(item.id)
            # Memory decides, minus slips: misreading, mixing up two similar options.
            chance = 0.85 * recall_probability(previous, moment) if previous else 0.5
            correct = rng.random() < chance
            seconds = rng.uniform(3, 30)
            grade = grade_quiz_answer(correct, seconds, item.difficulty)
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
