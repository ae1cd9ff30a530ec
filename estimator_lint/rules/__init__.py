"""The rule registry: one module per rule, ordered by code."""

from __future__ import annotations

from typing import Dict, List, Sequence

from estimator_lint.rules.base import Rule
from estimator_lint.rules.est101_estimator_member_override import EstimatorMemberOverride
from estimator_lint.rules.est102_tensor_on_self import TensorOnSelf
from estimator_lint.rules.est103_tensor_escapes_model_fn import TensorEscapesModelFn
from estimator_lint.rules.est104_captured_tensor_read import CapturedTensorRead
from estimator_lint.rules.est105_unknown_prediction_key import UnknownPredictionKey

ALL_RULES: List[type] = [
    EstimatorMemberOverride,
    TensorOnSelf,
    TensorEscapesModelFn,
    CapturedTensorRead,
    UnknownPredictionKey,
]
RULES_BY_CODE: Dict[str, type] = {rule.code: rule for rule in ALL_RULES}


def select_rules(select: Sequence[str] = ("EST",), ignore: Sequence[str] = ()) -> List[Rule]:
    """Rules whose code starts with a selected prefix and with no ignored prefix.

    The longest matching prefix wins, as in Ruff and flake8 (``--select EST --ignore EST1``
    then ``--select EST104`` keeps EST104).
    """

    def weight(code: str, prefixes: Sequence[str]) -> int:
        return max((len(p) for p in prefixes if code.startswith(p.upper())), default=-1)

    chosen = []
    for rule in ALL_RULES:
        sel, ign = weight(rule.code, select), weight(rule.code, ignore)
        if sel >= 0 and sel >= ign:
            if ign >= 0 and ign == sel:
                continue
            chosen.append(rule())
    return chosen
