"""EST106 estimator-api-removed."""

from __future__ import annotations

import ast
from typing import Iterator, List, Optional, Tuple

from estimator_lint import tfapi
from estimator_lint.diagnostics import Diagnostic
from estimator_lint.requirements import TensorFlowRequirement
from estimator_lint.rules.base import Invalid, Rule, RuleContext


class EstimatorApiRemoved(Rule):
    """
    ## What it does
    Checks for uses of the Estimator API (`tf.estimator.*`, `tf.compat.v1.estimator.*`,
    `tf.keras.estimator.model_to_estimator`, `tensorflow_estimator` imports) in a project
    whose declared TensorFlow requirement admits TensorFlow 2.16 or later, where that API
    no longer exists. The requirement is read from `pyproject.toml` (`[project]`,
    optional dependencies, dependency groups, Poetry), `requirements*.txt` (with `-r`
    and `-c`), `setup.cfg` and `setup.py`'s literal `install_requires`, or set with
    `target-tensorflow` in `[tool.estimator-lint]`. One finding per file, where the file
    first reaches the API.

    Silent when the project declares no TensorFlow requirement (and sets no target), and
    when every version its requirement admits is older than 2.16. On by default, like every
    rule: it only speaks when the project itself says it allows 2.16+. How the requirement
    is read, and the run-time proof: [docs/est106.md](https://github.com/estimator-lint/estimator-lint/blob/main/docs/est106.md).

    ## Why is this bad?
    TensorFlow 2.16 removed `tf.estimator` and `tensorflow-estimator` has no release after
    2.15.0. An unpinned install or upgrade makes the code fail at its first use:
    `AttributeError: module 'tensorflow' has no attribute 'estimator'`, or
    `ModuleNotFoundError: No module named 'tensorflow_estimator'`.

    ## Example
    ```python
    # requirements.txt: tensorflow>=2.12
    import tensorflow as tf

    estimator = tf.estimator.DNNClassifier(hidden_units=[8], feature_columns=columns)
    ```

    ## Use instead
    Pin the last TensorFlow that has Estimators:
    ```text
    # requirements.txt
    tensorflow>=2.12,<2.16
    tensorflow-estimator==2.15.*
    ```
    or migrate the code to Keras; TensorFlow's migration guide has a section per API: canned
    Estimators, Estimator and model_fn, `train_and_evaluate`, SessionRunHooks, SavedModel
    export (the message links the one for the API the file uses).

    ## Fix safety
    Never fixed automatically: the way out is a decision about the project (pin, or
    migrate), and either change lives outside the file.
    """

    code = "EST106"
    name = "estimator-api-removed"
    summary = "Estimator API in a project that allows TensorFlow 2.16+, which removed it"

    VALID = (
        # tf.compat.v1.train survives in 2.16.
        "import tensorflow as tf\n"
        "class Hook(tf.compat.v1.train.SessionRunHook):\n"
        "    pass\n"
        "session = tf.compat.v1.train.MonitoredTrainingSession()\n",
        # Keras only.
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n",
        # A local variable that happens to be called estimator.
        "estimator = object()\n"
        "estimator.train = None\n",
    )
    INVALID = (
        Invalid(
            "import tensorflow as tf\n"
            "config = tf.estimator.RunConfig()\n"
            "estimator = tf.estimator.Estimator(model_fn=None, config=config)\n",
            [(2, 10)],
            fixed=None,
        ),
        Invalid("import tensorflow_estimator as tfe\n", [(1, 1)],
            fixed=None,
        ),
        Invalid("from tensorflow import estimator\n", [(1, 1)],
            fixed=None,
        ),
        Invalid(
            "import tensorflow.compat.v1 as tf\n"
            "def model_fn(features, labels, mode):\n"
            "    return tf.estimator.EstimatorSpec(mode)\n",
            [(3, 12)],
            fixed=None,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "est = tf.keras.estimator.model_to_estimator(keras_model=None)\n",
            [(2, 7)],
            fixed=None,
        ),
    )

    @classmethod
    def example_settings(cls) -> dict:
        # The examples live in a project whose requirements.txt says tensorflow>=2.12.
        return {"tensorflow_requirement": TensorFlowRequirement("requirements.txt:1", "tensorflow>=2.12")}

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        requirement = ctx.tensorflow_requirement
        if requirement is None:
            return
        uses = list(_estimator_api_uses(ctx))
        if not uses:
            return
        node, spelling, members, is_import = uses[0]
        topics = list(dict.fromkeys(tfapi.migration_topic(m) for _, _, m, _ in uses))
        guides = "; ".join(f"{tfapi.MIGRATION_GUIDES[t][0]}: {tfapi.MIGRATION_GUIDES[t][1]}" for t in topics)
        failure = _failure(node, spelling)
        more = f" (the first of {len(uses)} uses of the Estimator API in this file)" if len(uses) > 1 else ""
        via = (
            f", read as the TensorFlow line tensorflow-estimator pairs with (its last release is "
            f"{tfapi.LAST_ESTIMATOR_RELEASE})"
            if requirement.via_estimator
            else ""
        )
        message = (
            f"`{spelling}` is gone in TensorFlow {tfapi.ESTIMATOR_API_REMOVED_IN}+ ({failure}), which this project "
            f"allows: {requirement.describe()}{via}{more}; pin `{tfapi.ESTIMATOR_PIN}`, or migrate to Keras "
            f"({guides})"
        )
        yield ctx.diagnostic(self.code, node, message)


def _estimator_api_uses(ctx: RuleContext) -> Iterator[Tuple[ast.AST, str, List[str], bool]]:
    """(node, how it is spelled, the API members, whether it is an import) for each place
    the file reaches the Estimator API, in source order: imports of it, and the outermost
    attribute chains that resolve to it through the file's imports."""
    imports = ctx.model.imports
    found: List[Tuple[Tuple[int, int], ast.AST, str, List[str], bool]] = []
    inner: set = set()  # the chain inside a reported one (``tf.estimator`` in ``tf.estimator.Estimator``)
    for node in ast.walk(ctx.model.tree):  # outer attributes come before the ones inside them
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            hit = _import_hit(node, imports.package)
            if hit is not None:
                found.append(((node.lineno, node.col_offset), node, hit[0], hit[1], True))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and id(node) not in inner:
            qual = imports.resolve(node)
            members = tfapi.estimator_api_path(qual)
            if members is None or _inner_of_api_chain(node, imports):
                continue
            spelling = tfapi.display_qualname(qual)
            part = node.value
            while isinstance(part, ast.Attribute):
                inner.add(id(part))
                part = part.value
            found.append(((node.lineno, node.col_offset), node, spelling, members, False))
    found.sort(key=lambda item: item[0])
    for _, node, spelling, members, is_import in found:
        yield node, spelling, members, is_import


def _failure(node: ast.AST, spelling: str) -> str:
    """What TensorFlow 2.16 raises there (measured with tensorflow-cpu 2.16.2)."""
    if isinstance(node, ast.Import):
        missing = _up_to_estimator(spelling)
        return f"ModuleNotFoundError: No module named '{missing}'"
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if tfapi.estimator_api_path(module) is None:
            return f"ImportError: cannot import name 'estimator' from '{module}' (...)"
        return f"ModuleNotFoundError: No module named '{_up_to_estimator(module)}'"
    if spelling.startswith("tf.estimator"):
        return "AttributeError: module 'tensorflow' has no attribute 'estimator'"
    return "AttributeError: module ... has no attribute 'estimator'"


def _up_to_estimator(dotted: str) -> str:
    """The first module of ``dotted`` that 2.16 lacks: ``tensorflow.estimator``, ``tensorflow_estimator``."""
    parts = dotted.split(".")
    if parts[0] == "tensorflow_estimator":
        return "tensorflow_estimator"
    return ".".join(parts[: parts.index("estimator") + 1]) if "estimator" in parts else dotted


def _inner_of_api_chain(node: ast.Attribute, imports) -> bool:
    """Whether ``node``'s chain root is a name bound by importing the Estimator API (the
    import is the finding) -- ``est.Estimator`` after ``from tensorflow import estimator as est``."""
    root = node
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        return False
    bound = imports.names.get(root.id)
    return bound is not None and tfapi.estimator_api_path(bound) is not None


def _import_hit(node: ast.AST, package: Optional[str]) -> Optional[Tuple[str, List[str]]]:
    """(spelling, members) when an import statement imports the Estimator API."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            members = tfapi.estimator_api_path(alias.name)
            if members is not None:
                return alias.name, members
        return None
    if node.level:
        return None  # a relative import is the project's own module
    module = node.module or ""
    for alias in node.names:
        qual = module if alias.name == "*" else f"{module}.{alias.name}"
        members = tfapi.estimator_api_path(qual)
        if members is not None:
            return module if alias.name == "*" else qual, members
    return None
