from __future__ import annotations

import pytest

from kpi_core.customers.segments import (
    PROTOTYPES,
    SEGMENT_ACTIONS,
    RfmInput,
    Segment,
    name_segment,
    quantile_scores,
    segment_customers,
    summarize_segments,
)


def test_quantile_scores_are_quintiles_of_the_rank() -> None:
    assert quantile_scores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quantile_scores([3, 1, 2, 5, 4]) == [3, 1, 2, 5, 4]
    assert quantile_scores([7, 7, 7, 7]) == [3, 3, 3, 3]  # ties share a score
    assert quantile_scores([1, 2, 3, 4, 5], higher_is_better=False) == [5, 4, 3, 2, 1]


@pytest.mark.parametrize("segment", list(Segment))
def test_each_prototype_gets_its_own_segment(segment: Segment) -> None:
    assert name_segment(*PROTOTYPES[segment]) is segment


def test_every_score_triple_has_a_segment() -> None:
    seen = {name_segment(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert seen == set(Segment)


def test_customers_are_segmented_with_actions() -> None:
    customers = [
        RfmInput(f"c{i}", f"Customer {i}", days_since_last_login=d, monthly_usage=u, contract_value=v)
        for i, (d, u, v) in enumerate(
            [
                (1, 22, 5000),  # recent, heavy, big: champion
                (60, 21, 4800),  # gone quiet, heavy and big: at risk
                (2, 5, 900),  # recent, light, small-ish
                (90, 1, 100),  # gone, light, small: lost
                (5, 15, 2000),
            ]
        )
    ]
    result = segment_customers(customers)
    assert [s.segment for s in result] == [
        Segment.CHAMPIONS,
        Segment.AT_RISK,
        Segment.POTENTIAL_LOYALISTS,
        Segment.LOST,
        Segment.LOYAL,
    ]
    assert result[1].action == SEGMENT_ACTIONS[Segment.AT_RISK]
    assert (result[1].recency, result[1].frequency, result[1].monetary) == (2, 4, 4)  # At Risk
    summary = {s.segment: s for s in summarize_segments(result)}
    assert summary[Segment.AT_RISK].customers == 1
    assert summary[Segment.AT_RISK].contract_value == 4800
    assert summary[Segment.HIBERNATING].customers == 0
    assert segment_customers([]) == ()
