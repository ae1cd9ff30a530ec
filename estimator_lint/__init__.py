"""estimator-lint: find (and fix) TensorFlow Estimator code that leaks graph tensors."""

__version__ = "0.1.0"

from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, Fix  # noqa: E402
from estimator_lint.engine import FileResult, lint_paths, lint_source  # noqa: E402
from estimator_lint.project import lint_project  # noqa: E402

__all__ = [
    "Applicability",
    "Diagnostic",
    "Edit",
    "Fix",
    "FileResult",
    "lint_paths",
    "lint_project",
    "lint_source",
    "__version__",
]
