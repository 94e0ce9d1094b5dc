"""The teacher's view: hardest questions first, members who have not played this week."""

from __future__ import annotations

from bot.domain.group_report import Member, QuestionTally, build_group_report


def test_questions_are_ordered_by_accuracy_then_by_how_many_answered() -> None:
    tallies = [
        QuestionTally("easy", answers=10, correct=9, members=5),
        QuestionTally("hard", answers=4, correct=1, members=4),
        QuestionTally("tie-few", answers=2, correct=1, members=2),
        QuestionTally("tie-many", answers=8, correct=4, members=5),
    ]
    report = build_group_report(tallies, {"hard": "Why?", "easy": "What?"}, [], [])
    assert [line.item_id for line in report.questions] == ["hard", "tie-many", "tie-few", "easy"]
    assert report.questions[0].question == "Why?"
    assert report.questions[1].question == "tie-many"  # no longer in the bank: its id
    assert report.questions[0].accuracy == 0.25


def test_absent_members_are_those_who_have_not_played_this_week_sorted_by_name() -> None:
    members = [Member(3, "cat"), Member(1, "Ann"), Member(2, "Bob"), Member(1, "Ann")]
    report = build_group_report([QuestionTally("q", 1, 1, 1)], {}, members, played_this_week=[2])
    assert report.members == 3
    assert [member.first_name for member in report.absent] == ["Ann", "cat"]


def test_no_answers_is_an_empty_report() -> None:
    report = build_group_report([QuestionTally("q", 0, 0, 0)], {}, [Member(1, "Ann")], [])
    assert report.empty
