"""The rule registry: one module per rule, ordered by code.

:data:`REGISTRY` names each rule's code, module and class (as Ruff's code table does);
the rule classes, and the analysis they import, are loaded on first use: a run that the
result cache answers, or that only checks its configuration, never imports them.
"""

from __future__ import annotations

import functools
import importlib
from typing import Dict, List, Sequence, Tuple

#: code -> (module in this package, class): the order is the rules' order everywhere.
REGISTRY: Dict[str, Tuple[str, str]] = {
    "EST100": ("est100_unused_noqa", "UnusedNoqa"),
    "EST101": ("est101_estimator_member_override", "EstimatorMemberOverride"),
    "EST102": ("est102_tensor_on_self", "TensorOnSelf"),
    "EST103": ("est103_tensor_escapes_model_fn", "TensorEscapesModelFn"),
    "EST104": ("est104_captured_tensor_read", "CapturedTensorRead"),
    "EST105": ("est105_unknown_prediction_key", "UnknownPredictionKey"),
    "EST106": ("est106_estimator_api_removed", "EstimatorApiRemoved"),
}
RULE_CODES: Tuple[str, ...] = tuple(REGISTRY)
#: Rules enabled only when selected by their full code (a prefix such as ``EST`` leaves them
#: off), as Ruff keeps RUF100 out of most prefix selections.
OPT_IN: Tuple[str, ...] = ("EST100",)
#: The rules a run enables when nothing is selected.
DEFAULT_CODES: Tuple[str, ...] = tuple(code for code in RULE_CODES if code not in OPT_IN)

__all__ = ["REGISTRY", "RULE_CODES", "OPT_IN", "DEFAULT_CODES", "ALL_RULES", "RULES_BY_CODE", "selected_codes", "select_rules"]


def _rules_by_code() -> Dict[str, type]:
    """The rule classes by code, imported on the first call (then module attributes)."""
    loaded = globals().get("RULES_BY_CODE")
    if loaded is None:
        rules: List[type] = [
            getattr(importlib.import_module(f"{__name__}.{module}"), cls) for module, cls in REGISTRY.values()
        ]
        loaded = {rule.code: rule for rule in rules}
        globals().update(ALL_RULES=rules, RULES_BY_CODE=loaded)
    return loaded


def __getattr__(name: str):
    # ``ALL_RULES`` (the classes in code order) and ``RULES_BY_CODE``, made on first access.
    if name in ("ALL_RULES", "RULES_BY_CODE"):
        _rules_by_code()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def selected_codes(select: Sequence[str] = ("EST",), ignore: Sequence[str] = ()) -> Tuple[str, ...]:
    """Codes that start with a selected prefix and with no ignored prefix.

    The longest matching prefix wins, as in Ruff and flake8 (``--select EST --ignore EST1``
    then ``--select EST104`` keeps EST104); a tie goes to ``ignore``.  :data:`OPT_IN`
    rules need their full code.
    """
    return _selected_codes(tuple(select), tuple(ignore))


@functools.lru_cache(maxsize=64)  # asked once per file, and a run has one selection
def _selected_codes(select: Tuple[str, ...], ignore: Tuple[str, ...]) -> Tuple[str, ...]:
    def weight(code: str, prefixes: Sequence[str]) -> int:
        return max((len(p) for p in prefixes if code.startswith(p.upper())), default=-1)

    chosen = []
    for code in RULE_CODES:
        sel, ign = weight(code, select), weight(code, ignore)
        if code in OPT_IN and sel != len(code):
            continue
        if sel >= 0 and sel > ign:
            chosen.append(code)
    return tuple(chosen)


def select_rules(select: Sequence[str] = ("EST",), ignore: Sequence[str] = ()) -> list:
    """Instances of the rules :func:`selected_codes` selects, in code order."""
    by_code = _rules_by_code()
    return [by_code[code]() for code in selected_codes(select, ignore)]
