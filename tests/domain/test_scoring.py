"""Group challenge points (Kahoot-style) and the ranking of a round."""

from __future__ import annotations

import pytest

from bot.domain.scoring import MAX_POINTS, ScoredAnswer, Standing, challenge_points, rank


def scored(user_id: int, correct: bool, seconds: float, open_period: int = 30) -> ScoredAnswer:
    return ScoredAnswer(
        user_id=user_id,
        first_name=f"user{user_id}",
        correct=correct,
        points=challenge_points(correct, seconds, open_period),
        seconds=seconds,
    )


@pytest.mark.parametrize("seconds", [0.0, 3.0, 30.0, 999.0])
def test_wrong_answer_scores_zero(seconds: float) -> None:
    assert challenge_points(False, seconds, 30) == 0


def test_instant_right_answer_scores_1000() -> None:
    assert MAX_POINTS == 1000
    assert challenge_points(True, 0.0, 30) == 1000


@pytest.mark.parametrize("open_period", [10, 30, 60])
def test_right_answer_at_the_deadline_scores_500(open_period: int) -> None:
    assert challenge_points(True, float(open_period), open_period) == 500


@pytest.mark.parametrize(
    ("seconds", "open_period", "points"),
    [
        (15.0, 30, 750),  # 1000 * (1 - 15/60)
        (3.0, 30, 950),  # 1000 * (1 - 3/60)
        (1.0, 10, 950),  # 1000 * (1 - 1/20)
        (7.5, 20, 812),  # 812.5 rounds half to even
        (2.2, 20, 945),  # 945.0
        (10.0, 60, 917),  # 916.67
        (0.4, 30, 993),  # 993.33
    ],
)
def test_points_fall_linearly_from_1000_to_500(
    seconds: float, open_period: int, points: int
) -> None:
    assert challenge_points(True, seconds, open_period) == points
    assert points == round(1000 * (1 - seconds / (2 * open_period)))


@pytest.mark.parametrize("seconds", [30.001, 31.0, 600.0])
def test_answers_after_the_deadline_are_clamped_to_500(seconds: float) -> None:
    assert challenge_points(True, seconds, 30) == 500


def test_negative_time_is_clamped_to_an_instant_answer() -> None:
    assert challenge_points(True, -2.0, 30) == 1000


def test_faster_right_answers_never_score_less() -> None:
    points = [challenge_points(True, t / 2, 30) for t in range(0, 70)]
    assert points == sorted(points, reverse=True)


# --- ranking ----------------------------------------------------------------------


def test_rank_orders_by_total_points() -> None:
    standings = rank(
        [
            scored(1, True, 20.0),
            scored(2, True, 2.0),
            scored(3, False, 1.0),
            scored(1, True, 20.0),
            scored(2, False, 5.0),
            scored(3, True, 1.0),
        ]
    )
    assert [s.user_id for s in standings] == [1, 3, 2]
    assert [s.rank for s in standings] == [1, 2, 3]
    first = standings[0]
    assert first == Standing(1, 1, "user1", 2, 2 * 667, 40.0)


def test_equal_points_go_to_the_lower_total_time() -> None:
    answers = [
        ScoredAnswer(1, "slow", True, 800, 9.0),
        ScoredAnswer(2, "fast", True, 800, 4.0),
        ScoredAnswer(1, "slow", True, 200, 1.0),
        ScoredAnswer(2, "fast", True, 200, 3.0),
    ]
    standings = rank(answers)
    assert [(s.first_name, s.points, s.seconds) for s in standings] == [
        ("fast", 1000, 7.0),
        ("slow", 1000, 10.0),
    ]


def test_equal_points_and_time_go_to_the_lower_user_id() -> None:
    standings = rank([ScoredAnswer(9, "b", True, 900, 2.0), ScoredAnswer(4, "a", True, 900, 2.0)])
    assert [s.user_id for s in standings] == [4, 9]


def test_all_wrong_round_everyone_scores_zero_ordered_by_time() -> None:
    answers = [
        scored(1, False, 12.0),
        scored(2, False, 3.0),
        scored(3, False, 8.0),
        scored(1, False, 1.0),
        scored(2, False, 1.0),
        scored(3, False, 1.0),
    ]
    standings = rank(answers)
    assert [s.points for s in standings] == [0, 0, 0]
    assert [s.right for s in standings] == [0, 0, 0]
    assert [s.user_id for s in standings] == [2, 3, 1]
    assert [s.seconds for s in standings] == [4.0, 9.0, 13.0]
    assert [s.rank for s in standings] == [1, 2, 3]


def test_member_who_answers_only_some_questions_is_ranked_on_what_they_answered() -> None:
    everything = [scored(1, True, 10.0), scored(1, False, 10.0), scored(1, True, 10.0)]
    only_one = [scored(2, True, 0.0)]
    standings = rank(everything + only_one)
    by_user = {s.user_id: s for s in standings}
    assert by_user[2].right == 1
    assert by_user[2].points == 1000
    assert by_user[2].seconds == 0.0
    assert by_user[1].right == 2
    assert by_user[1].points == 2 * 833
    assert [s.user_id for s in standings] == [1, 2]


def test_first_name_is_the_one_from_the_first_answer() -> None:
    standings = rank(
        [ScoredAnswer(1, "Ada", True, 10, 1.0), ScoredAnswer(1, "Ada L", True, 10, 1.0)]
    )
    assert standings[0].first_name == "Ada"


def test_nobody_answered_gives_no_standings() -> None:
    assert rank([]) == []
