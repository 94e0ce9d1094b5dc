"""The bot at scale: start-up, memory, /stats, /leaderboard and bytes per answer on a big database.

1. **Build** a database through the bot's own migrations (`Storage.open`), then fill it
   with plain `sqlite3` `executemany` in one big transaction: `--learners` learners with
   daily revision on in many time zones (prompt times computed by the bot's domain code),
   `--answers` answers in all, of which a group of `--members` members answered
   `--group-answers` challenge answers (50 per member by default) over five weeks, with
   the sent polls, FSRS state rows and leaderboard totals those answers imply. A built
   file is reused when it exists (`--database`, `--rebuild`).
2. **Run** `python -m bot` as a subprocess against the fake Bot API server
   (`tests/fakes/telegram_server.py`) and measure, each against a baseline measured in
   the same run on an empty database (migrations only):
   - start-up: process start to the first getUpdates (target < 3 s);
   - RSS after start-up (target < 120 MiB);
   - `/stats` of a learner with ~100 answers and `/leaderboard` in the big group
     (target p95 < 30 ms), from the update pushed to the reply received;
   - bytes per answer over the whole file, and per table (SQLite's `dbstat`).

Run: .venv/bin/python bench/scale.py [--learners 100000] [--answers 10000000] [--members 5000]
Small check: .venv/bin/python bench/scale.py --learners 2000 --answers 200000 --members 500
On PostgreSQL too (beside SQLite, same invocation): add --database-url postgresql://…/postgres
(`make postgres` prints one); bench/scale_pg.py fills a fresh database from the built file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale_pg  # noqa: E402
from bot.content.loader import load_bank  # noqa: E402
from bot.domain.daily import missed_prompt_today, next_prompt_at, scheduled_on  # noqa: E402
from bot.domain.timezones import parse_timezone  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.storage.challenge_totals import ALL_TIME, period_of  # noqa: E402
from bot.storage.database import to_db_time  # noqa: E402
from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402

GROUP = -1001234567890
FIRST_USER = 1_000_000
ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Lagos",
    "UTC+3",
]
POLLS_PER_ROUND = 5
# Apart from each other and from the fake server's own ids (5_200_000_000_000_000_000 + n).
PRIVATE_POLL_IDS = 5_300_000_000_000_000_000
GROUP_POLL_IDS = 5_400_000_000_000_000_000
PRIVATE_POLL_KEYS = 1_000_000  # sent_polls.id of private polls; the group's come first
CHUNK = 2_000  # learners per executemany batch


@dataclass(frozen=True)
class Shape:
    learners: int
    answers: int
    members: int
    group_answers: int

    @property
    def private_answers(self) -> int:
        return self.answers - self.group_answers


def _users(shape: Shape, now: datetime, rng: random.Random) -> list[tuple[object, ...]]:
    rows = []
    stamp = to_db_time(now - timedelta(days=120))
    for n in range(shape.learners):
        zone_name = ZONES[n % len(ZONES)]
        daily = f"{rng.randrange(6, 22):02d}:{rng.choice(['00', '15', '30', '45'])}"
        last, following = _schedule(daily, zone_name, now)
        rows.append(
            (FIRST_USER + n, f"Learner {n}", zone_name, daily, last, following, stamp, stamp)
        )
    return rows


def _schedule(daily: str, zone_name: str, up_until: datetime) -> tuple[str, int]:
    """(last_daily_date, next_prompt_at) of a learner the bot served until `up_until`."""
    zone = parse_timezone(zone_name)
    local_today = up_until.astimezone(zone).date()
    passed = scheduled_on(local_today, daily, zone) <= up_until
    last = local_today if passed else local_today - timedelta(days=1)
    return last.isoformat(), to_db_time(next_prompt_at(daily, zone, up_until))


def reschedule(path: Path, up_until: datetime) -> int:
    """As if the bot had run until `up_until` and was down since: how many are now owed a
    prompt (today's time passed within the catch-up window)."""
    with sqlite3.connect(path) as db:
        learners = db.execute(
            "SELECT user_id, daily_time, timezone FROM users WHERE daily_time IS NOT NULL"
        ).fetchall()
        rows = [(*_schedule(daily, zone, up_until), uid) for uid, daily, zone in learners]
        db.executemany(
            "UPDATE users SET last_daily_date = ?, next_prompt_at = ? WHERE user_id = ?", rows
        )
    now = datetime.now(UTC)
    return sum(
        missed_prompt_today(daily, parse_timezone(zone), now, last)
        for (last, _, _), (_, daily, zone) in zip(rows, learners, strict=True)
    )


def build(path: Path, shape: Shape, seed: int = 1) -> float:
    """Create the file through the bot's migrations, then fill it; returns seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    bank = load_bank(ROOT / "content")
    mcqs = [item.id for deck in bank.decks for item in deck.mcqs]

    async def migrate() -> None:
        storage = Storage(path)
        await storage.open()
        await storage.close()

    asyncio.run(migrate())
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")  # a bench file: no rollback needed while filling
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO users (user_id, first_name, timezone, daily_time, last_daily_date,"
        " next_prompt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        _users(shape, now, rng),
    )
    _fill_group(db, shape, now, mcqs, rng)
    _fill_private(db, shape, now, mcqs, rng)
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    return time.perf_counter() - started


def _fill_group(
    db: sqlite3.Connection, shape: Shape, now: datetime, mcqs: list[str], rng: random.Random
) -> None:
    members = [FIRST_USER + n for n in range(min(shape.members, shape.learners))]
    polls = max(1, shape.group_answers // max(1, len(members)))
    rounds = (polls + POLLS_PER_ROUND - 1) // POLLS_PER_ROUND
    span = timedelta(days=35)
    totals: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for round_index in range(rounds):
        round_id = round_index + 1
        started = now - span + span * round_index / rounds
        items = rng.sample(mcqs, POLLS_PER_ROUND)
        db.execute(
            "INSERT INTO challenges (id, chat_id, started_by, deck_id, item_ids, seconds,"
            " position, started_at, question_sent_at, finished_at)"
            " VALUES (?, ?, ?, ?, ?, 20, ?, ?, ?, ?)",
            (
                round_id,
                GROUP,
                members[0],
                "ci-cd-fundamentals",
                json.dumps(items),
                POLLS_PER_ROUND,
                to_db_time(started),
                to_db_time(started + timedelta(seconds=100)),
                to_db_time(started + timedelta(seconds=122)),
            ),
        )
        for question, item in enumerate(items):
            poll_index = round_index * POLLS_PER_ROUND + question
            if poll_index >= polls:
                break
            poll_id = str(GROUP_POLL_IDS + poll_index)
            sent = started + timedelta(seconds=22 * question)
            db.execute(
                "INSERT INTO sent_polls (id, poll_id, chat_id, message_id, item_id, option_order,"
                " sent_at, context, session_id, open_period)"
                " VALUES (?, ?, ?, ?, ?, '[0, 1, 2, 3]', ?, 'challenge', ?, 20)",
                (poll_index + 1, poll_id, GROUP, poll_index + 1, item, to_db_time(sent), round_id),
            )
            rows = []
            for user_id in members:
                seconds = rng.randrange(2, 40) / 2
                correct = rng.random() < 0.6
                points = round(1000 * (1 - seconds / 40)) if correct else 0
                answered = sent + timedelta(seconds=seconds)
                rows.append(
                    (user_id, item, GROUP, poll_index + 1, 0, "good" if correct else "again",
                     int(correct), to_db_time(answered), seconds, "challenge", round_id, points)
                )  # fmt: skip
                for period in (period_of(answered), ALL_TIME):
                    total = totals[(period, user_id)]
                    total[0] += int(correct)
                    total[1] += points
                    total[2] += seconds
            db.executemany(_INSERT_ANSWER, rows)
    db.executemany(
        "INSERT INTO challenge_totals (chat_id, period, user_id, right, points, seconds)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(GROUP, period, user, int(r), int(p), s) for (period, user), (r, p, s) in totals.items()],
    )
    # /groupstats' totals, as migration 011 builds them from the answers already stored.
    db.execute(
        "INSERT INTO challenge_item_totals (chat_id, item_id, user_id, answers, right)"
        " SELECT chat_id, item_id, user_id, COUNT(*), SUM(correct) FROM answers"
        " WHERE context = 'challenge' GROUP BY chat_id, item_id, user_id"
    )
    # The Mini App matrix's column totals, as migration 016 builds them.
    week = "date(answered_at / 1000, 'unixepoch', '-6 days', 'weekday 1')"
    for period in (week, "'all'"):
        db.execute(
            "INSERT INTO challenge_question_totals (chat_id, period, item_id, answers, right)"
            f" SELECT chat_id, {period}, item_id, COUNT(*), SUM(correct) FROM answers"
            f" WHERE context = 'challenge' GROUP BY chat_id, {period}, item_id"
        )


_INSERT_ANSWER = (
    "INSERT INTO answers (user_id, item_id, chat_id, poll_ref, chosen_option, grade, correct,"
    " answered_at, seconds, context, session_id, points)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _fill_private(
    db: sqlite3.Connection, shape: Shape, now: datetime, mcqs: list[str], rng: random.Random
) -> None:
    """Quiz answers in private chats: a sent poll and an answer each; FSRS state per item."""
    per_learner, extra = divmod(shape.private_answers, shape.learners)
    for chunk_start in range(0, shape.learners, CHUNK):
        polls, answers, states = [], [], []
        for n in range(chunk_start, min(chunk_start + CHUNK, shape.learners)):
            user_id = FIRST_USER + n
            count = per_learner + (n < extra)
            # sent_polls keys after the group's polls, one per answer.
            first_key = PRIVATE_POLL_KEYS + n * per_learner + min(n, extra)
            own_items = rng.sample(mcqs, min(len(mcqs), max(1, count // 4)))
            first = now - timedelta(days=rng.uniform(30, 90))
            step = (now - first) / max(count, 1)
            seen: dict[str, tuple[str, int, int]] = {}
            for k in range(count):
                item = own_items[k % len(own_items)]
                moment = to_db_time(first + step * k)
                correct = rng.random() < 0.7
                # Telegram's poll ids are 19-digit numbers (as text); the size depends on it.
                poll_id = str(PRIVATE_POLL_IDS + user_id * 1000 + k)
                polls.append((first_key + k, poll_id, user_id, k + 1, item, moment))
                answers.append(
                    (user_id, item, user_id, first_key + k, 0, "good" if correct else "again",
                     int(correct), moment, rng.randrange(2, 60) / 2, "quiz", None, 0)
                )  # fmt: skip
                reps, lapses = seen.get(item, ("", 0, 0))[1:]
                seen[item] = (moment, reps + 1, lapses + (not correct))
            for item, (last, reps, lapses) in seen.items():
                due = to_db_time(now + timedelta(days=rng.uniform(-5, 30)))
                states.append(
                    (user_id, item, 2, None, rng.uniform(1, 60), rng.uniform(1, 9), due, last,
                     reps, lapses)
                )  # fmt: skip
        db.executemany(
            "INSERT INTO sent_polls (id, poll_id, chat_id, message_id, item_id, option_order,"
            " sent_at, context) VALUES (?, ?, ?, ?, ?, '[2, 0, 3, 1]', ?, 'quiz')",
            polls,
        )
        db.executemany(_INSERT_ANSWER, answers)
        db.executemany(
            "INSERT INTO review_state (user_id, item_id, state, step, stability, difficulty,"
            " due, last_review, reps, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            states,
        )


def file_figures(path: Path) -> tuple[int, int, dict[str, int]]:
    """(answers, file bytes, bytes per table or index)."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        answers = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        tables = dict(
            db.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        )
    return answers, path.stat().st_size, tables


def _rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _latencies(server: FakeTelegramServer, chat_id: int, send: object, repeat: int) -> list[float]:
    assert callable(send)
    times = []
    for _ in range(repeat):
        before = server.message_count(chat_id)
        started = time.perf_counter()
        send()
        server.wait_for(lambda n=before: server.message_count(chat_id) > n, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run_bot(
    path: Path, shape: Shape | None, repeat: int, url: str | None = None
) -> dict[str, float]:
    """Start `python -m bot` on the file (or, with `url`, on that PostgreSQL database; the
    log then goes beside `path`); measure start-up, RSS and (with a shape) latencies."""
    figures: dict[str, float] = {}
    with FakeTelegramServer(global_rate=None, group_rate_per_minute=None) as server:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:SCALE",
            "TELEGRAM_BASE_URL": server.base_url,
            "DATABASE_PATH": str(path),
            **({"DATABASE_URL": url} if url else {}),
            "CONTENT_DIR": str(ROOT / "content"),
            "LOG_LEVEL": "WARNING",
            # Latency of the bot itself: Telegram's send caps (the bot paces a group to one
            # message per 3 s) are lifted here; the fake server enforces none either.
            "OVERALL_MAX_RATE": "100000",
            "GROUP_MAX_RATE_PER_MINUTE": "100000",
        }
        log_path = path.with_suffix(".pg.log" if url else ".log")
        with log_path.open("w") as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
            try:
                server.wait_for(
                    lambda: server.allowed_updates is not None, timeout=300, description="start"
                )
                figures["startup_s"] = time.perf_counter() - started
                time.sleep(1.0)  # the start-up tick and anything it queued settle
                figures["rss_mib"], figures["rss_peak_mib"] = _rss_mib(process.pid)
                if shape is not None:
                    learner = server.user(FIRST_USER + shape.learners - 1, "Learner")
                    member = server.user(FIRST_USER + shape.members // 2, "Member")
                    stats = _latencies(
                        server, learner.id, lambda: server.push_message(learner, "/stats"), repeat
                    )
                    board = _latencies(
                        server,
                        GROUP,
                        lambda: server.push_message(
                            member,
                            "/leaderboard",
                            chat_id=GROUP,
                            chat_type="supergroup",
                            chat_title="Scale",
                        ),
                        repeat,
                    )
                    figures["stats_p50_ms"] = statistics.median(stats)
                    figures["stats_p95_ms"] = _percentile(stats, 0.95)
                    figures["board_p50_ms"] = statistics.median(board)
                    figures["board_p95_ms"] = _percentile(board, 0.95)
                    figures["rss_after_mib"], figures["rss_peak_mib"] = _rss_mib(process.pid)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=120)
        output = log_path.read_text()
        if "Traceback" in output:
            raise SystemExit(f"the bot logged a traceback:\n{output[-3000:]}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--group-answers", type=int, default=None, help="default: 50 per member")
    parser.add_argument("--repeat", type=int, default=40, help="requests per latency figure")
    parser.add_argument("--database", type=Path, default=None, help="keep/reuse the built file")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--database-url",
        default=None,
        help="also run on PostgreSQL: fresh databases on this server (e.g. `make postgres`),"
        " filled from the built file by COPY, dropped at the end",
    )
    parser.add_argument(
        "--down-hours",
        type=float,
        default=0.0,
        help="start as if the bot had been down this long: every learner due, those within"
        " the 3 h catch-up window prompted while the figures are taken",
    )
    args = parser.parse_args()
    shape = Shape(
        args.learners,
        args.answers,
        args.members,
        args.group_answers if args.group_answers is not None else args.members * 50,
    )
    path = args.database or Path(tempfile.gettempdir()) / (
        f"quiz-scale-{shape.learners}-{shape.answers}-{shape.members}.sqlite3"
    )
    if args.rebuild or not path.exists():
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        seconds = build(path, shape)
        print(f"build: {shape} in {seconds:.1f} s -> {path}")
    else:
        print(f"build: reusing {path}")

    with tempfile.TemporaryDirectory(prefix="quiz-scale-") as name:
        folder = Path(name)
        empty = folder / "empty.sqlite3"
        asyncio.run(_migrate_only(empty))
        run_bot(empty, None, args.repeat)  # warm-up: the first process pays for a cold cache
        base = run_bot(empty, None, args.repeat)
        answers, size, tables = file_figures(path)
        # The bot writes (daily prompts come due, polls are stored): run on a copy, so the
        # built file stays as built and a rerun meets no poll id the fake server gives again.
        work = folder / "work.sqlite3"
        shutil.copyfile(path, work)
        owed = reschedule(work, datetime.now(UTC) - timedelta(hours=args.down_hours))
        pg: dict[str, float] | None = None
        if args.database_url:
            pg = _run_postgres(args.database_url, folder, work, shape, args.repeat)
        big = run_bot(work, shape, args.repeat)
    print(
        f"down for {args.down_hours:g} h before the start: {owed} learners owed a catch-up prompt"
    )
    print(
        f"start-up to first getUpdates: {big['startup_s']:.2f} s with {shape.learners} learners"
        f" (empty database {base['startup_s']:.2f} s, x{big['startup_s'] / base['startup_s']:.2f});"
        " target < 3 s"
    )
    print(
        f"RSS after start-up: {big['rss_mib']:.1f} MiB (empty {base['rss_mib']:.1f} MiB,"
        f" +{big['rss_mib'] - base['rss_mib']:.1f}); after the latency runs"
        f" {big['rss_after_mib']:.1f} MiB, peak {big['rss_peak_mib']:.1f}; target < 120 MiB"
    )
    print(
        f"/stats ({shape.private_answers // shape.learners} answers): p50"
        f" {big['stats_p50_ms']:.1f} ms, p95 {big['stats_p95_ms']:.1f} ms"
    )
    print(
        f"/leaderboard ({shape.members} members, {shape.group_answers} challenge answers):"
        f" p50 {big['board_p50_ms']:.1f} ms, p95 {big['board_p95_ms']:.1f} ms; target p95 < 30 ms"
    )
    if pg is not None:
        _print_postgres(pg, big, shape)
    breakdown = ", ".join(
        f"{name} {part / answers:.0f}" for name, part in tables.items() if part / answers >= 0.5
    )
    print(
        f"size: {size / 2**20:.0f} MiB for {answers} answers = {size / answers:.0f} bytes/answer"
        f" (target <= 250); bytes per answer by table/index: {breakdown}"
    )


def _run_postgres(
    url: str, folder: Path, work: Path, shape: Shape, repeat: int
) -> dict[str, float]:
    """Empty and filled PostgreSQL databases (filled from `work` before the SQLite run
    writes to it): the bot's figures on both, and the load's."""
    empty_url = asyncio.run(scale_pg.fresh_database(url, "empty"))
    big_url = asyncio.run(scale_pg.fresh_database(url, "big"))
    try:
        seconds, rows, steps = asyncio.run(scale_pg.load(work, big_url))
        print(
            f"PostgreSQL load: {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s; "
            + ", ".join(f"{step} {took:.1f} s" for step, took in steps.items())
            + ")"
        )
        run_bot(folder / "empty.sqlite3", None, repeat, url=empty_url)  # warm-up
        base = run_bot(folder / "empty.sqlite3", None, repeat, url=empty_url)
        figures = run_bot(work, shape, repeat, url=big_url)
        figures["base_startup_s"] = base["startup_s"]
        figures["base_rss_mib"] = base["rss_mib"]
        figures["load_s"] = seconds
        figures["load_rows"] = rows
        figures["bytes"] = asyncio.run(scale_pg.total_bytes(big_url))
        return figures
    finally:
        for target in (empty_url, big_url):
            asyncio.run(scale_pg.drop_database(url, target))


def _print_postgres(pg: dict[str, float], lite: dict[str, float], shape: Shape) -> None:
    print(
        f"PostgreSQL start-up to first getUpdates: {pg['startup_s']:.2f} s with"
        f" {shape.learners} learners (empty database {pg['base_startup_s']:.2f} s,"
        f" x{pg['startup_s'] / pg['base_startup_s']:.2f}; SQLite {lite['startup_s']:.2f} s,"
        f" x{pg['startup_s'] / lite['startup_s']:.2f}); target < 3 s"
    )
    print(
        f"PostgreSQL RSS after start-up: {pg['rss_mib']:.1f} MiB (empty"
        f" {pg['base_rss_mib']:.1f} MiB); after the latency runs {pg['rss_after_mib']:.1f} MiB"
    )
    print(
        f"PostgreSQL /stats: p50 {pg['stats_p50_ms']:.1f} ms, p95 {pg['stats_p95_ms']:.1f} ms"
        f" (SQLite p50 x{pg['stats_p50_ms'] / lite['stats_p50_ms']:.2f})"
    )
    print(
        f"PostgreSQL /leaderboard: p50 {pg['board_p50_ms']:.1f} ms, p95"
        f" {pg['board_p95_ms']:.1f} ms"
        f" (SQLite p95 x{pg['board_p95_ms'] / lite['board_p95_ms']:.2f}); target p95 < 30 ms"
    )
    print(f"PostgreSQL database size: {pg['bytes'] / 2**20:.0f} MiB")


async def _migrate_only(path: Path) -> None:
    storage = Storage(path)
    await storage.open()
    await storage.close()


if __name__ == "__main__":
    main()
