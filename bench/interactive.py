"""Interactive first: learners studying while a daily fan-out is being sent.

`--learners` learners (20) loop /quiz → answer → Next with `--think` seconds between
steps (well under Telegram's 30 messages/s together), against `python -m bot` and the
fake Bot API server enforcing 30 messages/s. Two phases in the same run:

- **alone**: only the loopers;
- **with bulk**: `--bulk` learners are due for daily revision at start-up, so the bot
  is fanning out 2 × bulk messages at the cap for the whole phase.

Reported for each phase: answerCallbackQuery latency (the Next press reaching the bot
to the answer reaching Telegram; target p95 < 50 ms), and the latency of the replies
to the learner's own action (answer → feedback, Next → the next poll).

Run: .venv/bin/python bench/interactive.py [--learners 20] [--bulk 2000] [--seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from daily_fanout import register_learners  # noqa: E402

from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402

LOOPER_BASE = 5_000_000


class Looper(threading.Thread):
    """One learner: /quiz once, then answer → Next → answer … until `stop_at`."""

    def __init__(self, server: FakeTelegramServer, user_id: int, think: float, stop_at: float):
        super().__init__(daemon=True)
        self.server = server
        self.user = server.user(user_id, f"Looper {user_id}")
        self.think = think
        self.stop_at = stop_at
        self.callback_ms: list[float] = []
        self.feedback_ms: list[float] = []
        self.next_poll_ms: list[float] = []
        self.error: BaseException | None = None

    def _wait(self, predicate: object, what: str) -> None:
        assert callable(predicate)
        self.server.wait_for(predicate, timeout=120, description=what)

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as error:  # reported by the main thread
            self.error = error

    def _loop(self) -> None:
        server, chat = self.server, self.user.id
        polls = server.poll_count(chat)
        server.push_message(self.user, "/quiz")
        self._wait(lambda: server.poll_count(chat) > polls, "first poll")
        while time.monotonic() < self.stop_at:
            poll = server.sent_polls(chat)[-1]["poll"]
            time.sleep(self.think)
            messages = server.message_count(chat)
            started = time.monotonic()
            server.push_poll_answer(self.user, poll["id"], [poll["correct_option_ids"][0]])
            self._wait(lambda n=messages: server.message_count(chat) > n, "feedback")
            self.feedback_ms.append((time.monotonic() - started) * 1000)
            feedback = server.sent_messages(chat)[-1]
            time.sleep(self.think)
            polls = server.poll_count(chat)
            started, pressed_wall = time.monotonic(), time.time()
            # The first button under the feedback is Next, as a learner sees it.
            next_button = feedback["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            pressed = server.push_callback(self.user, feedback, next_button)
            query_id = pressed["callback_query"]["id"]
            self._wait(lambda q=query_id: _answered_at(server, q), "answerCallbackQuery")
            answered = _answered_at(server, query_id)
            assert answered is not None
            # The server records each request's wall time; same machine, same clock.
            self.callback_ms.append((answered - pressed_wall) * 1000)
            self._wait(lambda n=polls: server.poll_count(chat) > n, "next poll")
            self.next_poll_ms.append((time.monotonic() - started) * 1000)


def _answered_at(server: FakeTelegramServer, query_id: str) -> float | None:
    for request in reversed(server.requests_for("answerCallbackQuery")):
        if str(request.params.get("callback_query_id")) == query_id:
            return request.wall_time
    return None


def phase(bulk: int, learners: int, think: float, seconds: float) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        asyncio.run(register_learners(database, bulk))
        with FakeTelegramServer(global_rate=30) as server:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": "123456:INTERACTIVE",
                "TELEGRAM_BASE_URL": server.base_url,
                "DATABASE_PATH": str(database),
                "CONTENT_DIR": str(ROOT / "content"),
                "LOG_LEVEL": "WARNING",
            }
            log_path = Path(folder) / "bot.log"
            with log_path.open("w") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=log
                )
                try:
                    server.wait_for(lambda: server.allowed_updates is not None, timeout=60)
                    if bulk:  # measure while the fan-out is in full swing
                        server.wait_for(lambda: len(server.send_log) >= 30, timeout=60)
                    stop_at = time.monotonic() + seconds
                    loopers = [
                        Looper(server, LOOPER_BASE + n, think, stop_at) for n in range(learners)
                    ]
                    for looper in loopers:
                        looper.start()
                    for looper in loopers:
                        looper.join()
                    sent_during = len(server.send_log)
                finally:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=60)
            errors = [looper.error for looper in loopers if looper.error is not None]
            if errors:
                raise SystemExit(f"a learner's loop failed: {errors[0]}\n{log_path.read_text()}")
            bulk_sent = sum(1 for entry in server.send_log if entry.chat_id < LOOPER_BASE)
            print(
                f"  ({sent_during} sends accepted, {bulk_sent} of them bulk; 429s:"
                f" {server.rate_limited_count})"
            )
    return {
        "callback": [ms for looper in loopers for ms in looper.callback_ms],
        "feedback": [ms for looper in loopers for ms in looper.feedback_ms],
        "next_poll": [ms for looper in loopers for ms in looper.next_poll_ms],
    }


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def describe(name: str, figures: dict[str, list[float]]) -> None:
    parts = []
    for key, label in (
        ("callback", "answerCallbackQuery"),
        ("feedback", "answer→feedback"),
        ("next_poll", "Next→poll"),
    ):
        values = figures[key]
        parts.append(
            f"{label} p50 {statistics.median(values):.0f} ms / p95 {_p(values, 0.95):.0f} ms"
        )
    print(f"{name}: {len(figures['callback'])} loops; " + "; ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--bulk", type=int, default=2000)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    alone = phase(0, args.learners, args.think, args.seconds)
    describe("alone", alone)
    loaded = phase(args.bulk, args.learners, args.think, args.seconds)
    describe(f"with {args.bulk} learners' daily fan-out", loaded)
    print(
        "answerCallbackQuery p95 with bulk / alone:"
        f" x{_p(loaded['callback'], 0.95) / _p(alone['callback'], 0.95):.2f} (target p95 < 50 ms)"
    )


if __name__ == "__main__":
    main()
