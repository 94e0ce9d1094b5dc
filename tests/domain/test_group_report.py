"""The teacher's view: hardest questions first, members who have not played this week."""

from __future__ import annotations

from bot.domain.group_report import Member, QuestionTally, build_group_report, people_in_group


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


def test_members_are_telegrams_count_less_bots_and_at_least_the_players() -> None:
    assert people_in_group(5, other_bots=0) == 4  # this bot is a member too
    assert people_in_group(6, other_bots=1) == 4
    assert people_in_group(1, other_bots=3) == 0
    ann, bob, cat = Member(1, "Ann"), Member(2, "Bob"), Member(3, "Cat")
    tallies = [QuestionTally("q", 4, 3, 3)]
    report = build_group_report(tallies, {}, [ann, bob, cat], [1], group_size=10)
    assert (report.members, report.played, report.players, report.not_played) == (10, 1, 3, 9)
    assert report.absent == (bob, cat)
    # The count not known yet: only the players are known to be members.
    unknown = build_group_report(tallies, {}, [ann, bob, cat], [1])
    assert (unknown.members, unknown.not_played) == (3, 2)
    # A stale count below the players still in the group is raised to them.
    assert build_group_report(tallies, {}, [ann, bob, cat], [1], group_size=1).members == 3


def test_a_player_who_left_is_no_longer_a_member_nor_absent() -> None:
    ann, bob = Member(1, "Ann"), Member(2, "Bob")
    tallies = [QuestionTally("q", 2, 1, 2)]
    report = build_group_report(tallies, {}, [ann, bob], [2], group_size=1, departed={2})
    assert (report.members, report.played, report.players) == (1, 0, 1)
    assert report.absent == (ann,)
    # Bob's answers still count; the line never says more answered than there are members.
    assert report.questions[0].answers == 2 and report.questions[0].members == 1
