"""Recording an answer: the answer row and the memory state it leads to, in one write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.content.models import CardItem, McqItem, PromptItem
from bot.domain.memory import Grade, MemoryState, review
from bot.storage import Storage
from bot.storage.answers import AnswerWrite, Recorded
from bot.storage.records import NewAnswer

Item = McqItem | CardItem | PromptItem
# (first name, username): registers the learner, or refreshes their names, in the same write.
LearnerNames = tuple[str, str | None]


async def record_answer(
    storage: Storage,
    now: datetime,
    *,
    user_id: int,
    item_id: str,
    chat_id: int,
    correct: bool,
    grade: Grade | Callable[[MemoryState | None], Grade] | None,
    purpose: str,
    poll_id: str | None = None,
    chosen_option: int | None = None,
    seconds: float | None = None,
    session_id: int | None = None,
    points: int = 0,
    learner: LearnerNames | None = None,
    message_id: int | None = None,
) -> Recorded:
    """Store one answer and the memory state it leads to (`stored` False: a redelivery).

    `grade` may depend on the learner's memory before this answer (a right answer just
    after a miss may be a guess), so it can be a function of that memory: the writer calls
    it inside the transaction, with the memory as stored. None: an answer to an item this
    process no longer knows (removed from the decks before a restart): the poll row gives the
    item id, the choice and the time, but not which option was right, so it is stored as
    Again and the memory is left alone.
    """

    def decide(previous: MemoryState | None, retention: float) -> tuple[str, MemoryState | None]:
        if grade is None:
            return Grade.AGAIN.value, None
        chosen = grade if isinstance(grade, Grade) else grade(previous)
        return chosen.value, review(previous, item_id, chosen, now, retention)

    answer = NewAnswer(
        user_id=user_id,
        item_id=item_id,
        chat_id=chat_id,
        grade="",  # decided with the memory state, inside the write
        correct=correct,
        answered_at=now,
        context=purpose,
        poll_id=poll_id,
        chosen_option=chosen_option,
        seconds=seconds,
        session_id=session_id,
        points=points,
        message_id=message_id,
    )
    return await storage.answers.write(AnswerWrite(answer, decide, learner))


async def message_graded(storage: Storage, chat_id: int, message_id: int) -> bool:
    """Whether the flashcard or prompt in this message has been graded (a second tap on a
    grade is answered "Already recorded")."""
    return await storage.answers.message_graded(chat_id, message_id)
