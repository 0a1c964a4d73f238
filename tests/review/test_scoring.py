"""From the jurors' scores to a ranking: aggregation, weights, informational criteria, the final mix, ties."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from submissions.scoring import Scale, aggregate, final_score, rank, round_score, rubric_total, spread

CLARITY = Scale(key=1, scale_min=Decimal(0), scale_max=Decimal(5), weight=Decimal(1))
EVIDENCE = Scale(key=2, scale_min=Decimal(0), scale_max=Decimal(5), weight=Decimal(3))
ON_TWENTY = Scale(key=3, scale_min=Decimal(0), scale_max=Decimal(20), weight=Decimal(1))
MOOD = Scale(key=4, scale_min=Decimal(1), scale_max=Decimal(5), weight=Decimal(1), informational=True)


def test_mean_and_median_of_the_jurors_scores():
    scores = [Decimal(1), Decimal(2), Decimal(5)]

    assert aggregate(scores, "mean") == Decimal(8) / 3
    assert aggregate(scores, "median") == Decimal(2)
    assert aggregate([Decimal(1), Decimal(4)], "median") == Decimal("2.5")


def test_a_criterion_nobody_scored_has_no_aggregate():
    assert aggregate([], "mean") is None
    assert aggregate([None, None], "median") is None


def test_rubric_total_weighs_criteria_on_100():
    total = rubric_total({1: Decimal(5), 2: Decimal(0)}, [CLARITY, EVIDENCE])

    assert total == Decimal(25)  # full marks on weight 1, nothing on weight 3


def test_criteria_on_different_scales_count_by_their_share_of_the_scale():
    assert rubric_total({1: Decimal("2.5"), 3: Decimal(10)}, [CLARITY, ON_TWENTY]) == Decimal(50)


def test_an_informational_criterion_is_left_out_of_the_total():
    with_mood = rubric_total({1: Decimal(5), 4: Decimal(1)}, [CLARITY, MOOD])

    assert with_mood == Decimal(100)


def test_an_unscored_criterion_is_left_out_with_its_weight_and_nothing_scored_gives_no_total():
    assert rubric_total({1: Decimal(4)}, [CLARITY, EVIDENCE]) == Decimal(80)
    assert rubric_total({}, [CLARITY, EVIDENCE]) is None
    assert rubric_total({4: Decimal(5)}, [MOOD]) is None


def test_final_score_mixes_document_and_defense_by_the_editions_weight():
    assert final_score(Decimal(80), Decimal(60), 70) == Decimal(74)
    assert final_score(Decimal(80), None, 70) == Decimal(56)  # no defense: it counts for nothing
    assert final_score(None, None, 70) is None


def test_ranking_shows_ties_and_skips_the_next_ranks():
    ranks = rank({10: Decimal(70), 11: Decimal(85), 12: Decimal(70), 13: Decimal(50), 14: None})

    assert ranks == {11: 1, 10: 2, 12: 2, 13: 4, 14: None}


def test_spread_flags_how_far_apart_the_jurors_are():
    assert spread([Decimal(40), Decimal(90), Decimal(70)]) == Decimal(50)
    assert spread([Decimal(40)]) is None


def test_scores_are_rounded_half_up_for_display():
    assert round_score(Decimal("66.665")) == Decimal("66.67")
    assert round_score(None) is None


scores = st.lists(st.decimals(min_value=0, max_value=5, places=2), min_size=1, max_size=7)


@given(scores)
def test_any_aggregate_lies_within_the_jurors_scores(values):
    for method in ("mean", "median"):
        assert min(values) <= aggregate(values, method) <= max(values)


@given(st.dictionaries(st.integers(1, 2), st.decimals(min_value=0, max_value=5, places=2), min_size=1))
def test_any_total_lies_between_0_and_100(per_criterion):
    assert Decimal(0) <= rubric_total(per_criterion, [CLARITY, EVIDENCE]) <= Decimal(100)


@given(st.dictionaries(st.integers(1, 30), st.one_of(st.none(), st.integers(0, 100).map(Decimal))))
def test_a_higher_score_never_ranks_below_a_lower_one(finals):
    ranks = rank(finals)

    for a, score_a in finals.items():
        for b, score_b in finals.items():
            if score_a is not None and score_b is not None and score_a > score_b:
                assert ranks[a] < ranks[b]
            if score_a is not None and score_a == score_b:
                assert ranks[a] == ranks[b]
