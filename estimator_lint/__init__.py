"""estimator-lint: find (and fix) TensorFlow Estimator code that leaks graph tensors."""

__version__ = "0.1.0"

# The public API, imported on first use (PEP 562): ``import estimator_lint.cli`` (every
# run, every pre-commit call) then loads only what that run needs.
_API = {
    "Applicability": "estimator_lint.diagnostics",
    "Diagnostic": "estimator_lint.diagnostics",
    "Edit": "estimator_lint.diagnostics",
    "Fix": "estimator_lint.diagnostics",
    "FileResult": "estimator_lint.diagnostics",
    "lint_paths": "estimator_lint.runner",
    "lint_source": "estimator_lint.engine",
    "lint_project": "estimator_lint.project",
}

__all__ = [*_API, "__version__"]


def __getattr__(name):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
