"""SaaS RFM segments: recency (days since last login), frequency (monthly active usage) and monetary
(contract value), each scored 1-5 by quantile across the customers, then named with the framework's
segments and a recommended action.

    segments = segment_customers([RfmInput("c1", "Acme", days_since_last_login=2, monthly_usage=21,
                                           contract_value=1_800), ...])
    segments[0].segment, segments[0].action
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Segment(StrEnum):
    CHAMPIONS = "Champions"
    LOYAL = "Loyal Customers"
    POTENTIAL_LOYALISTS = "Potential Loyalists"
    AT_RISK = "At Risk"
    CANNOT_LOSE = "Cannot Lose Them"
    HIBERNATING = "Hibernating"
    LOST = "Lost"


SEGMENT_ACTIONS: dict[Segment, str] = {
    Segment.CHAMPIONS: "Ask for a case study or a referral; invite them to the customer advisory board",
    Segment.LOYAL: "Offer the next plan or more seats; invite them to beta features",
    Segment.POTENTIAL_LOYALISTS: "Guide them to more features; book a success check-in",
    Segment.AT_RISK: "Have their customer success manager call this week about the usage drop",
    Segment.CANNOT_LOSE: "Executive sponsor reaches out now with a recovery plan",
    Segment.HIBERNATING: "Re-activation campaign with new features and a training session",
    Segment.LOST: "Exit interview; add them to win-back campaigns",
}

# The framework's prototype scores (recency, frequency, monetary) for each segment.
PROTOTYPES: dict[Segment, tuple[int, int, int]] = {
    Segment.CHAMPIONS: (5, 5, 5),
    Segment.LOYAL: (4, 4, 4),
    Segment.POTENTIAL_LOYALISTS: (5, 3, 3),
    Segment.AT_RISK: (2, 4, 4),
    Segment.CANNOT_LOSE: (1, 5, 5),
    Segment.HIBERNATING: (1, 1, 3),
    Segment.LOST: (1, 1, 1),
}


@dataclass(frozen=True)
class RfmInput:
    customer_id: str
    name: str
    days_since_last_login: float
    monthly_usage: float  # active days (or sessions) in the last month
    contract_value: float


@dataclass(frozen=True)
class CustomerSegment:
    customer_id: str
    name: str
    recency: int  # 1..5, 5 = logged in most recently
    frequency: int  # 1..5, 5 = uses the product most
    monetary: int  # 1..5, 5 = pays the most
    segment: Segment
    action: str
    contract_value: float


@dataclass(frozen=True)
class SegmentSummary:
    segment: Segment
    customers: int
    contract_value: float
    action: str


def quantile_scores(values: Sequence[float], *, higher_is_better: bool = True) -> list[int]:
    """Scores 1..5 by quintile of the rank (ties share their average rank), 5 = best."""
    n = len(values)
    order = sorted(range(n), key=lambda i: values[i])
    ranks = [0.0] * n
    position = 0
    while position < n:
        end = position
        while end + 1 < n and values[order[end + 1]] == values[order[position]]:
            end += 1
        for i in order[position : end + 1]:
            ranks[i] = (position + end) / 2 + 0.5  # average rank, 0.5 .. n - 0.5
        position = end + 1
    scores = [min(5, 1 + int(5 * rank / n)) for rank in ranks]
    return scores if higher_is_better else [6 - score for score in scores]


def name_segment(recency: int, frequency: int, monetary: int) -> Segment:
    """The framework's segment for a score triple. Rules in order, each matching its prototype."""
    if recency >= 4 and frequency >= 4 and monetary >= 4:
        return Segment.CHAMPIONS if recency + frequency + monetary >= 14 else Segment.LOYAL
    if recency == 5 and frequency <= 3:
        return Segment.POTENTIAL_LOYALISTS  # very recent, not yet frequent
    if recency >= 3 and frequency >= 3:
        return Segment.LOYAL if monetary >= 3 or recency == 3 else Segment.POTENTIAL_LOYALISTS
    if recency >= 4:
        return Segment.POTENTIAL_LOYALISTS  # recent, not yet frequent
    if recency <= 2 and frequency >= 4 and monetary >= 4:
        return Segment.CANNOT_LOSE if recency == 1 else Segment.AT_RISK
    if recency <= 2 and frequency >= 3:
        return Segment.AT_RISK
    if monetary >= 2:
        return Segment.HIBERNATING
    return Segment.LOST


def segment_customers(customers: Sequence[RfmInput]) -> tuple[CustomerSegment, ...]:
    """Every customer with its scores, segment and recommended action (input order)."""
    if not customers:
        return ()
    recency = quantile_scores([c.days_since_last_login for c in customers], higher_is_better=False)
    frequency = quantile_scores([c.monthly_usage for c in customers])
    monetary = quantile_scores([c.contract_value for c in customers])
    result = []
    for i, customer in enumerate(customers):
        segment = name_segment(recency[i], frequency[i], monetary[i])
        result.append(
            CustomerSegment(
                customer.customer_id,
                customer.name,
                recency[i],
                frequency[i],
                monetary[i],
                segment,
                SEGMENT_ACTIONS[segment],
                customer.contract_value,
            )
        )
    return tuple(result)


def summarize_segments(segments: Sequence[CustomerSegment]) -> tuple[SegmentSummary, ...]:
    """Customers and contract value per segment, every segment listed (zero when empty), in order."""
    return tuple(
        SegmentSummary(
            segment,
            sum(1 for s in segments if s.segment is segment),
            sum(s.contract_value for s in segments if s.segment is segment),
            SEGMENT_ACTIONS[segment],
        )
        for segment in Segment
    )
