"""Analysis of one module: imports, scopes, Estimator classes, model_fns, graph values."""

from estimator_lint.analysis.model import FileModel

__all__ = ["FileModel"]
