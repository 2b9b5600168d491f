"""Churn risk per customer from a model trained on the company's own history (scikit-learn).

History is monthly snapshots of every customer's features with what happened next: `churned` is True
when the customer left within the horizon after the snapshot, False when it stayed the whole horizon,
None when the horizon has not passed yet (those snapshots are scored, never trained on).

    model = train_churn_model(history, features=DEFAULT_FEATURES)
    model.evaluation.auc             # on held-back snapshots: the newest dates, never seen in training
    risks = score_customers(model, current)
    risks[0].level, risks[0].factors  # RiskLevel.HIGH, (Factor("days since last login", 41, 6), ...)

scikit-learn is an optional extra (`pip install 'kpibot[ml]'`); without it every entry point raises
ChurnModelUnavailableError with that instruction.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

DEFAULT_FEATURES: tuple[str, ...] = (
    "days_since_last_login",
    "dashboard_views_last_30d",
    "support_tickets_last_90d",
    "feature_adoption_score",
    "team_size",
    "contract_value",
    "nps_score",
    "days_to_first_value",
)
HIGH_ABOVE = 0.7
MEDIUM_ABOVE = 0.4
MIN_LABELLED = 200  # snapshots with a known outcome
MIN_CHURNED = 20  # of which churned
MIN_DATES = 4  # distinct snapshot dates: training needs some, the held-back test needs the newest
HOLD_OUT_SHARE = 0.25  # of the snapshot dates, newest first


class RiskLevel(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


def risk_level(probability: float) -> RiskLevel:
    """The framework's bands: HIGH above 0.7, MEDIUM above 0.4, else LOW."""
    if probability > HIGH_ABOVE:
        return RiskLevel.HIGH
    if probability > MEDIUM_ABOVE:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


class ChurnModelUnavailableError(RuntimeError):
    """scikit-learn is not installed."""


class NotEnoughHistoryError(ValueError):
    """Too little history to train a model that means anything; the message says what is missing."""


@dataclass(frozen=True)
class CustomerSnapshot:
    customer_id: str
    name: str
    as_of: date
    features: Mapping[str, float | None]
    churned: bool | None = None
    contract_value: float | None = None


@dataclass(frozen=True)
class Evaluation:
    auc: float  # ROC AUC on the held-back snapshots
    train_snapshots: int
    test_snapshots: int
    test_churned: int
    test_from: date  # the first held-back snapshot date
    seconds: float  # training and evaluation time


@dataclass(frozen=True)
class Factor:
    """A feature that raises this customer's risk: its value, the typical (median) value, and how much
    the probability falls when the value is replaced by the typical one."""

    feature: str
    label: str
    value: float | None
    typical: float
    contribution: float


@dataclass(frozen=True)
class ChurnRisk:
    customer_id: str
    name: str
    as_of: date
    probability: float
    level: RiskLevel
    factors: tuple[Factor, ...]
    contract_value: float | None


@dataclass(frozen=True)
class ChurnModel:
    features: tuple[str, ...]
    estimator: Any  # a fitted sklearn Pipeline (imputer + random forest), trained on all labelled history
    medians: Mapping[str, float]
    evaluation: Evaluation
    trained_on: int


def _sklearn() -> Any:
    try:
        import sklearn  # noqa: F401
    except ImportError as error:  # pragma: no cover - exercised without the extra
        raise ChurnModelUnavailableError(
            "Churn risk needs scikit-learn, which is not installed: pip install 'kpibot[ml]'"
        ) from error
    from sklearn import ensemble, impute, metrics, pipeline

    return ensemble, impute, metrics, pipeline


FEATURE_LABELS: dict[str, str] = {
    "days_since_last_login": "days since last login",
    "dashboard_views_last_30d": "dashboard views in 30 days",
    "support_tickets_last_90d": "support tickets in 90 days",
    "feature_adoption_score": "features adopted",
    "team_size": "active users",
    "contract_value": "contract value",
    "nps_score": "NPS answer",
    "days_to_first_value": "days to first value",
}


def feature_label(feature: str) -> str:
    return FEATURE_LABELS.get(feature, feature.replace("_", " "))


def _matrix(snapshots: Sequence[CustomerSnapshot], features: Sequence[str]) -> list[list[float]]:
    nan = float("nan")
    return [[_number(s.features.get(f), nan) for f in features] for s in snapshots]


def _number(value: float | None, missing: float) -> float:
    return missing if value is None else float(value)


def check_history(history: Sequence[CustomerSnapshot]) -> tuple[list[CustomerSnapshot], list[date]]:
    """The labelled snapshots and their dates, or NotEnoughHistoryError saying why not."""
    labelled = [s for s in history if s.churned is not None]
    churned = sum(1 for s in labelled if s.churned)
    dates = sorted({s.as_of for s in labelled})
    if len(labelled) < MIN_LABELLED:
        raise NotEnoughHistoryError(
            f"only {len(labelled)} customer snapshots with a known outcome; at least {MIN_LABELLED} are "
            "needed to learn what churn looks like"
        )
    if churned < MIN_CHURNED:
        raise NotEnoughHistoryError(
            f"only {churned} churned customers in the history; at least {MIN_CHURNED} are needed"
        )
    if len(dates) < MIN_DATES:
        raise NotEnoughHistoryError(
            f"history covers {len(dates)} snapshot dates; at least {MIN_DATES} are needed to test the model "
            "on the newest ones"
        )
    return labelled, dates


def train_churn_model(
    history: Sequence[CustomerSnapshot], *, features: Sequence[str] = DEFAULT_FEATURES, seed: int = 0
) -> ChurnModel:
    """Train on the older snapshots, measure AUC on the newest quarter of dates, then refit on all."""
    ensemble, impute, metrics, pipeline = _sklearn()
    started = time.perf_counter()
    labelled, dates = check_history(history)
    cut = dates[max(1, int(len(dates) * (1 - HOLD_OUT_SHARE)))]
    train = [s for s in labelled if s.as_of < cut]
    test = [s for s in labelled if s.as_of >= cut]
    test_churned = sum(1 for s in test if s.churned)
    if test_churned == 0 or test_churned == len(test) or not any(s.churned for s in train):
        raise NotEnoughHistoryError(
            f"the held-back snapshots since {cut} need both churned and retained customers to measure "
            "the model"
        )

    def fit(rows: Sequence[CustomerSnapshot]) -> Any:
        model = pipeline.make_pipeline(
            impute.SimpleImputer(strategy="median", keep_empty_features=True),
            ensemble.RandomForestClassifier(
                n_estimators=100, min_samples_leaf=10, random_state=seed, n_jobs=1
            ),
        )
        model.fit(_matrix(rows, features), [bool(s.churned) for s in rows])
        return model

    held_out = fit(train)
    auc = float(
        metrics.roc_auc_score([bool(s.churned) for s in test], _churn_column(held_out, test, features))
    )
    final = fit(labelled)
    medians = dict(zip(features, final.named_steps["simpleimputer"].statistics_, strict=True))
    evaluation = Evaluation(
        auc=auc,
        train_snapshots=len(train),
        test_snapshots=len(test),
        test_churned=test_churned,
        test_from=cut,
        seconds=time.perf_counter() - started,
    )
    return ChurnModel(
        tuple(features), final, {k: float(v) for k, v in medians.items()}, evaluation, len(labelled)
    )


def _churn_column(estimator: Any, rows: Sequence[CustomerSnapshot], features: Sequence[str]) -> list[float]:
    classes = list(estimator.classes_)
    probabilities = estimator.predict_proba(_matrix(rows, features))
    column = classes.index(True) if True in classes else None
    return [0.0 if column is None else float(p[column]) for p in probabilities]


def score_customers(
    model: ChurnModel, current: Sequence[CustomerSnapshot], *, factors: int = 3
) -> tuple[ChurnRisk, ...]:
    """Each customer's churn probability, level and top factors, riskiest first."""
    if not current:
        return ()
    features = model.features
    base = _churn_column(model.estimator, current, features)
    # What-if rows: each feature replaced by its typical value, all scored in one call.
    what_if = []
    for snapshot in current:
        for feature in features:
            values = dict(snapshot.features)
            values[feature] = model.medians[feature]
            what_if.append(CustomerSnapshot(snapshot.customer_id, snapshot.name, snapshot.as_of, values))
    typical = _churn_column(model.estimator, what_if, features)
    risks = []
    for i, snapshot in enumerate(current):
        drops = [(base[i] - typical[i * len(features) + j], feature) for j, feature in enumerate(features)]
        top = sorted((d for d in drops if d[0] > 0.005), reverse=True)[:factors]
        risks.append(
            ChurnRisk(
                snapshot.customer_id,
                snapshot.name,
                snapshot.as_of,
                base[i],
                risk_level(base[i]),
                tuple(
                    Factor(f, feature_label(f), snapshot.features.get(f), model.medians[f], drop)
                    for drop, f in top
                ),
                snapshot.contract_value,
            )
        )
    return tuple(sorted(risks, key=lambda r: (-r.probability, r.customer_id)))
