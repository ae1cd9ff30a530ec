"""Every TensorFlow fact the linter relies on, in one place.

Written from the sources of tensorflow-cpu 2.15.1 / tensorflow-estimator 2.15.0
(``tensorflow_estimator/python/estimator/estimator.py``).  The TensorFlow-backed test
suite compares these tables with the live library so that they cannot drift.

Nothing here imports TensorFlow: the linter never does.
"""

from __future__ import annotations

import functools
import re
from typing import List, Optional

# --------------------------------------------------------------------------------------
# Estimator classes
# --------------------------------------------------------------------------------------

#: Top-level packages whose objects are TensorFlow (graph-building) APIs.
TF_ROOTS = frozenset(
    {
        "tensorflow",
        "tensorflow_estimator",
        "keras",
        "tf_keras",
        "tf_slim",
        "tensorflow_hub",
        "tensorflow_probability",
        "tensorflow_addons",
        "tensorflow_text",
        "tensorflow_transform",
    }
)

#: Packages under which an Estimator class can be exported.
ESTIMATOR_ROOTS = frozenset({"tensorflow", "tensorflow_estimator"})

#: Class names of ``tf.estimator.Estimator`` and every Estimator subclass TensorFlow
#: ships (canned, experimental, TPU, contrib, with their V1/V2 forms).  A dotted name
#: ending in one of these under :data:`ESTIMATOR_ROOTS` is an Estimator base.
ESTIMATOR_CLASS_NAMES = frozenset(
    {
        "Estimator",
        "EstimatorV2",
        "TPUEstimator",
        # canned
        "DNNClassifier",
        "DNNRegressor",
        "DNNEstimator",
        "LinearClassifier",
        "LinearRegressor",
        "LinearEstimator",
        "DNNLinearCombinedClassifier",
        "DNNLinearCombinedRegressor",
        "DNNLinearCombinedEstimator",
        "BaselineClassifier",
        "BaselineRegressor",
        "BaselineEstimator",
        "BoostedTreesClassifier",
        "BoostedTreesRegressor",
        "BoostedTreesEstimator",
        "RNNClassifier",
        "RNNEstimator",
        "KMeansClustering",
        "KMeans",
        "LinearSDCA",
        "TimeSeriesRegressor",
        "ARRegressor",
        "StructuralEnsembleRegressor",
        "StateSpaceRegressor",
        "LSTMAutoRegressor",
        "SavedModelEstimator",
        # tf.contrib.learn era / tf.contrib.estimator
        "DNNLinearCombinedRegressorV2",
    }
    | {
        f"{name}V{v}"
        for name in (
            "DNNClassifier",
            "DNNRegressor",
            "DNNEstimator",
            "LinearClassifier",
            "LinearRegressor",
            "LinearEstimator",
            "DNNLinearCombinedClassifier",
            "DNNLinearCombinedRegressor",
            "DNNLinearCombinedEstimator",
            "BaselineClassifier",
            "BaselineRegressor",
            "BaselineEstimator",
            "BoostedTreesClassifier",
            "BoostedTreesRegressor",
            "BoostedTreesEstimator",
        )
        for v in (1, 2)
    }
)

#: Dotted-path segments of which at least one must appear for a name to be an
#: Estimator export (``tf.estimator.X``, ``tf.compat.v1.estimator.tpu.X``,
#: ``tf.contrib.tpu.X``, ``tensorflow_estimator.python.estimator.canned.dnn.X``, ...).
ESTIMATOR_NAMESPACE_SEGMENTS = frozenset({"estimator", "tpu", "contrib", "canned", "learn"})

#: The exact class name TensorFlow exempts from its override check.
EXEMPT_CLASS_NAME = "TPUEstimator"

#: TensorFlow's Estimator classes that take the caller's ``model_fn`` (first argument or
#: ``model_fn=``); the canned ones build their own.
MODEL_FN_ESTIMATOR_NAMES = frozenset({"Estimator", "EstimatorV2", "TPUEstimator"})


def is_estimator_qualname(qualname: str) -> bool:
    """Whether a fully qualified dotted name denotes a TensorFlow Estimator class."""
    parts = qualname.split(".")
    if len(parts) < 2 or parts[0] not in ESTIMATOR_ROOTS:
        return False
    if parts[-1] not in ESTIMATOR_CLASS_NAMES:
        return False
    return any(p in ESTIMATOR_NAMESPACE_SEGMENTS for p in parts[1:-1]) or parts[0] == "tensorflow_estimator"


def display_qualname(qualname: str) -> str:
    """A short, familiar spelling for messages: ``tensorflow.x`` -> ``tf.x``."""
    # ``tf.compat.v2.compat.v1.estimator`` (an alias of an alias) -> ``tf.compat.v1.estimator``
    qualname = re.sub(r"(?:compat\.v\d\.)+(compat\.v\d\.)", r"\1", qualname)
    if qualname.startswith("tensorflow."):
        return "tf." + qualname[len("tensorflow.") :]
    return qualname


# --------------------------------------------------------------------------------------
# Estimator members and TensorFlow's override check
# --------------------------------------------------------------------------------------

#: ``dir(tf.estimator.Estimator)`` minus names starting with ``__`` (TF 2.15; identical for
#: ``tf.compat.v1.estimator.Estimator``).  TF's ``_assert_members_are_not_overridden``
#: compares a subclass's own ``__dict__`` with exactly this set.
ESTIMATOR_MEMBERS = frozenset(
    {
        "_actual_eval",
        "_actual_train_model_distributed",
        "_add_meta_graph_for_mode",
        "_assert_members_are_not_overridden",
        "_call_input_fn",
        "_call_model_fn",
        "_call_model_fn_eval",
        "_call_model_fn_eval_distributed",
        "_convert_eval_steps_to_hooks",
        "_convert_train_steps_to_hooks",
        "_create_and_assert_global_step",
        "_create_global_step",
        "_estimator_api_names",
        "_estimator_api_names_v1",
        "_evaluate_build_graph",
        "_evaluate_run",
        "_export_all_saved_models",
        "_extract_batch_length",
        "_extract_keys",
        "_get_features_and_labels_from_input_fn",
        "_get_features_from_input_fn",
        "_get_iterator_from_input_fn",
        "_maybe_warm_start",
        "_tf_docs_inheritable_header",
        "_train_model",
        "_train_model_default",
        "_train_model_distributed",
        "_train_with_estimator_spec",
        "_train_with_estimator_spec_distributed",
        "_validate_features_in_predict_input",
        "config",
        "eval_dir",
        "evaluate",
        "experimental_export_all_saved_models",
        "export_saved_model",
        "export_savedmodel",
        "get_variable_names",
        "get_variable_value",
        "latest_checkpoint",
        "model_dir",
        "model_fn",
        "params",
        "predict",
        "train",
    }
)

#: ``allowed_overrides`` of TF's ``_assert_members_are_not_overridden``.
ALLOWED_OVERRIDES = frozenset(
    {
        "model_fn",
        "_create_and_assert_global_step",
        "_export_all_saved_models",
        "_tf_api_names",
        "_tf_api_names_v1",
        "_estimator_api_names",
        "_estimator_api_names_v1",
        "_estimator_api_constants",
        "_estimator_api_constants_v1",
        "latest_checkpoint",
    }
)

#: The guard itself: overriding it disables TF's check for the whole hierarchy.
OVERRIDE_GUARD = "_assert_members_are_not_overridden"

#: Members TF forbids to override (what EST101 reports).
FORBIDDEN_OVERRIDES = ESTIMATOR_MEMBERS - ALLOWED_OVERRIDES

#: The message TF raises, quoted in diagnostics.
OVERRIDE_ERROR = "ValueError: Subclasses of Estimator cannot override members of Estimator"

#: Estimator methods that run while the graph is being built and receive
#: ``features``/``labels`` tensors (code in their overrides is model_fn code).
GRAPH_BUILDING_MEMBERS = frozenset(
    {
        "_call_model_fn",
        "_call_model_fn_eval",
        "_call_model_fn_eval_distributed",
        "_call_input_fn",
        "_get_features_and_labels_from_input_fn",
        "_get_features_from_input_fn",
        "_get_iterator_from_input_fn",
        "_train_model_default",
        "_train_model_distributed",
        "_actual_train_model_distributed",
        "_train_with_estimator_spec",
        "_train_with_estimator_spec_distributed",
        "_evaluate_build_graph",
        "_add_meta_graph_for_mode",
        "_create_global_step",
        "_create_and_assert_global_step",
    }
)

# --------------------------------------------------------------------------------------
# EstimatorSpec
# --------------------------------------------------------------------------------------

#: Class names whose call builds a model_fn result.
ESTIMATOR_SPEC_NAMES = frozenset({"EstimatorSpec", "TPUEstimatorSpec", "_TPUEstimatorSpec", "ModelFnOps"})

#: ``EstimatorSpec`` fields (``tf.estimator.EstimatorSpec._fields``, TF 2.15).
ESTIMATOR_SPEC_FIELDS = (
    "mode",
    "predictions",
    "loss",
    "train_op",
    "eval_metric_ops",
    "export_outputs",
    "training_chief_hooks",
    "training_hooks",
    "scaffold",
    "evaluation_hooks",
    "prediction_hooks",
)

#: Fields of a spec that hold Python values, not graph values.
SPEC_PYTHON_FIELDS = frozenset({"mode"})

#: Parameters of a model_fn that carry tensors (``model_fn(features, labels, mode, params, config)``).
MODEL_FN_TENSOR_PARAMS = ("features", "labels")

#: Methods of a ``tf.data`` object that put the dataset's iterator into the current graph
#: (graph mode: ``dataset.make_one_shot_iterator()``, ``iterator.get_next()``).
ITERATOR_METHODS = frozenset({"make_one_shot_iterator", "make_initializable_iterator", "get_next"})

#: Parameters an Estimator passes a model_fn, by name (``estimator._call_model_fn``).
MODEL_FN_PARAMS = ("features", "labels", "mode", "params", "config")

#: Calls whose ``input_fn`` is their first argument (``estimator.train(input_fn)``,
#: ``tf.estimator.TrainSpec(input_fn)``).
INPUT_FN_TAKERS = frozenset({"train", "evaluate", "predict", "TrainSpec", "EvalSpec"})

# --------------------------------------------------------------------------------------
# Which TensorFlow calls produce graph values
# --------------------------------------------------------------------------------------

#: Namespaces whose functions return Python values or configuration objects, never tensors.
NON_GRAPH_NAMESPACES = frozenset(
    {
        "logging",
        "gfile",
        "io.gfile",
        "flags",
        "app",
        "estimator",
        "feature_column",
        "data",
        "distribute",
        "config",
        "test",
        "sysconfig",
        "version",
        "errors",
        "initializers",
        "keras.initializers",
        "keras.regularizers",
        "keras.optimizers",
        "keras.callbacks",
        "keras.utils",
        "optimizers",
        "saved_model",
        "tpu",
        "lookup.experimental",
        "profiler",
        "debugging.experimental",
        "autograph",
        "lite",
        "dtypes",
        "python_io",
        "resource_loader",
        "compat.v1.logging",
        "platform",
    }
)

#: Functions inside :data:`NON_GRAPH_NAMESPACES` that do return tensors.
GRAPH_FUNCTIONS_IN_NON_GRAPH_NAMESPACES = frozenset(
    {"input_layer", "linear_model", "make_one_shot_iterator", "get_next", "cross_replica_sum", "shard", "rewrite"}
)

#: Lower-case TensorFlow functions that return Python values or configuration objects.
NON_GRAPH_FUNCTIONS = frozenset(
    {
        "as_dtype",
        "variable_scope",
        "name_scope",
        "get_variable_scope",
        "variable_op_scope",
        "device",
        "control_dependencies",
        "get_default_graph",
        "get_default_session",
        "executing_eagerly",
        "executing_eagerly_outside_functions",
        "set_random_seed",
        "latest_checkpoint",
        "list_variables",
        "load_variable",
        "load_checkpoint",
        "checkpoint_exists",
        "init_from_checkpoint",
        "enable_eager_execution",
        "disable_eager_execution",
        "enable_v2_behavior",
        "disable_v2_behavior",
        "get_logger",
        "dimension_value",
        "is_tensor",
        "function",
        "py_func_like",
        "arg_scope",
        "add_arg_scope",
        "get_collection_ref",
        "add_to_collection",
        "add_to_collections",
        "gradient_override_map",
        "colocate_with",
        "get_local_variable_scope",
        "serving_input_receiver_fn",
        "print_tensor",
        "get_shape_list_static",
        "is_gpu_available",
        "list_physical_devices",
        "clear_session",
        "reset_default_graph",
        "make_template",
        "cond_v2_like",
    }
)

#: Name suffixes of factory functions returning configuration objects (initializers, ...).
NON_GRAPH_FUNCTION_SUFFIXES = ("_initializer", "_regularizer", "_scope", "_column", "_hook", "_optimizer")

#: CamelCase TensorFlow names whose call yields a tensor (most CamelCase names are classes
#: of configuration objects: optimizers, layers, RunConfig, hooks, sessions, ...).
CAMEL_CASE_TENSOR_MAKERS = frozenset(
    {"Variable", "SparseTensor", "SparseTensorValue", "IndexedSlices", "RaggedTensor", "TensorArray", "Tensor"}
)

#: Functions that make a tensor from nothing: outside a model_fn (in ``__init__``, in
#: ``train``) only these make an assignment a captured tensor.
EXPLICIT_TENSOR_MAKERS = frozenset(
    {
        "constant",
        "constant_v1",
        "Variable",
        "get_variable",
        "get_local_variable",
        "placeholder",
        "placeholder_with_default",
        "sparse_placeholder",
        "zeros",
        "ones",
        "zeros_like",
        "ones_like",
        "fill",
        "eye",
        "range",
        "linspace",
        "convert_to_tensor",
        "convert_to_tensor_v2",
        "random_normal",
        "random_uniform",
        "truncated_normal",
        "random_shuffle",
        "random_crop",
        "random_gamma",
        "random_poisson",
        "multinomial",
        "normal",
        "uniform",
        "categorical",
        "SparseTensor",
        "get_global_step",
        "get_or_create_global_step",
        "create_global_step",
    }
)

#: Attributes of a tensor (or spec) that are static Python values.
STATIC_TENSOR_ATTRIBUTES = frozenset(
    {"shape", "dtype", "name", "ndim", "ndims", "device", "value_index", "mode", "get_shape", "numpy", "eval"}
)

#: Methods of a configuration object that return plain Python values.
PYTHON_VALUE_METHODS = frozenset({"run", "eval", "get_config", "count_params", "numpy", "as_list", "get_shape"})

#: Attributes of configuration objects (layers, models) that are graph values.
GRAPH_ATTRIBUTES_OF_OBJECTS = frozenset(
    {
        "kernel",
        "bias",
        "weights",
        "variables",
        "trainable_variables",
        "trainable_weights",
        "non_trainable_variables",
        "non_trainable_weights",
        "output",
        "outputs",
        "input",
        "inputs",
        "losses",
        "updates",
        "embeddings",
    }
)


def _namespace_of(parts: list) -> str:
    return ".".join(parts)


class CallKind:
    """How a call to a TensorFlow name is classified (see :func:`classify_tf_call`)."""

    GRAPH = "graph"  # returns a tensor / op (in a model_fn)
    MAKER = "maker"  # returns a tensor anywhere (explicit tensor maker)
    SPEC = "spec"  # builds an EstimatorSpec
    CONFIG = "config"  # returns a configuration object (layer, optimizer, hook, RunConfig ...)
    PYTHON = "python"  # returns a plain Python value


_CAMEL = re.compile(r"^_?[A-Z]")


def is_tf_qualname(qualname: Optional[str]) -> bool:
    return bool(qualname) and qualname.split(".", 1)[0] in TF_ROOTS


@functools.lru_cache(maxsize=4096)  # a pure function of a name that files repeat
def classify_tf_call(qualname: str) -> str:
    """Classify a call of the TensorFlow function or class ``qualname``."""
    parts = qualname.split(".")
    last = parts[-1]
    if last in ESTIMATOR_SPEC_NAMES:
        return CallKind.SPEC
    if last in EXPLICIT_TENSOR_MAKERS:
        return CallKind.MAKER
    if ("random" in parts[1:-1]) and not _CAMEL.match(last):
        return CallKind.MAKER
    if last in CAMEL_CASE_TENSOR_MAKERS:
        return CallKind.MAKER
    # Any CamelCase segment (class or class attribute): a configuration object
    # (``tf.train.AdamOptimizer``, ``tf.data.Dataset.from_tensor_slices``, ``tf.keras.layers.Dense``).
    if any(_CAMEL.match(p) for p in parts[1:]):
        return CallKind.CONFIG
    if last in NON_GRAPH_FUNCTIONS or last.endswith(NON_GRAPH_FUNCTION_SUFFIXES):
        return CallKind.PYTHON if last in NON_GRAPH_FUNCTIONS else CallKind.CONFIG
    middle = parts[1:-1]
    # Strip compat.v1 / compat.v2 so that namespaces compare alike.
    if middle[:2] in (["compat", "v1"], ["compat", "v2"]):
        middle = middle[2:]
    ns = ".".join(middle)
    for bad in NON_GRAPH_NAMESPACES:
        if ns == bad or ns.startswith(bad + ".") or ("." + bad + ".") in ("." + ns + "."):
            if last in GRAPH_FUNCTIONS_IN_NON_GRAPH_NAMESPACES:
                return CallKind.GRAPH
            return CallKind.PYTHON
    return CallKind.GRAPH


# --------------------------------------------------------------------------------------
# What a fix may move into a PREDICT ``predictions`` dict
# --------------------------------------------------------------------------------------
# ``EstimatorSpec`` accepts only Tensors as predictions (``_check_is_tensor``: an Operation
# is a TypeError), and ``Estimator.predict`` slices every prediction along its first
# dimension (``_extract_batch_length``: a scalar fails), so a value that is an Operation
# cannot be moved there, and one that has no batch dimension is only an unsafe move.

#: Functions returning an Operation (graph mode), never a Tensor.
OPERATION_FUNCTIONS = frozenset({"group", "no_op", "print", "Print", "Assert", "tuple"})
#: Name prefixes of such functions (``tf.debugging.assert_equal``, ``tf.assert_positive``).
OPERATION_FUNCTION_PREFIXES = ("assert_",)
#: Methods returning an Operation (``optimizer.minimize(loss)``, ``apply_gradients``).
OPERATION_METHODS = frozenset({"minimize", "apply_gradients"})
#: Functions returning lists, tuples or Variables, never one Tensor (``predict()`` refuses
#: them: "Prediction output value must be a Tensor").
NOT_A_TENSOR_FUNCTIONS = frozenset(
    {
        "gradients", "split", "unstack", "moments", "unique", "unique_with_counts", "top_k", "get_collection",
        "get_collection_ref", "meshgrid", "tuple", "dynamic_partition", "svd", "qr", "while_loop",
        "trainable_variables", "global_variables", "local_variables", "get_variable", "get_local_variable",
        "Variable", "create_global_step", "get_or_create_global_step", "get_global_step", "batch_jacobian",
    }
)
#: Control flow whose branches may return anything (an Operation included): an unsafe move.
CONTROL_FLOW_FUNCTIONS = frozenset({"cond", "case", "switch_case", "while_loop"})
#: Methods that change a variable (``v.assign(x)``): a moved call would run at predict time.
STATEFUL_METHOD_PREFIXES = ("assign", "scatter_")
#: Functions whose result has no batch dimension: scalars (``size``, ``rank``), shapes.
UNBATCHED_FUNCTIONS = frozenset(
    {
        "size", "rank", "shape", "shape_n", "count_nonzero", "norm", "trace", "histogram_fixed_width", "bincount",
        # made from nothing: their shape is whatever the literal says, not the batch's
        "constant", "zeros", "ones", "fill", "range", "eye", "linspace",
    }
)
#: Functions that change state (a moved call would run at predict time instead).
STATEFUL_FUNCTION_PREFIXES = ("assign", "scatter_")
#: Namespaces whose results are scalar losses.
UNBATCHED_NAMESPACES = frozenset({"losses"})
#: Namespaces whose functions return a ``(value, update_op)`` pair (TF1 metrics).
PAIR_NAMESPACES = frozenset({"metrics"})
#: Namespaces of summary ops: a serialised proto (``merge_all`` may even return None), a
#: side effect of training; no prediction.
SUMMARY_NAMESPACES = frozenset({"summary"})


def prediction_misfit(qualname: str) -> Optional[str]:
    """Why the result of calling the TensorFlow function ``qualname`` is not a safe
    prediction: ``"operation"``, ``"pair"``, ``"summary"`` or ``"container"`` (never a
    prediction; an item of a pair or a container is a scalar or a tensor of its own: an
    unsafe move), ``"unbatched"`` or ``"stateful"`` (an unsafe move), or None."""
    parts = qualname.split(".")
    last = parts[-1]
    if last in OPERATION_FUNCTIONS or last.startswith(OPERATION_FUNCTION_PREFIXES):
        return "operation"
    if any(part in PAIR_NAMESPACES for part in parts[1:-1]):
        return "pair"
    if any(part in SUMMARY_NAMESPACES for part in parts[1:-1]):
        return "summary"
    if last in NOT_A_TENSOR_FUNCTIONS:
        return "container"
    if last in CONTROL_FLOW_FUNCTIONS:
        return "unbatched"
    if last.startswith(STATEFUL_FUNCTION_PREFIXES):
        return "stateful"
    if last in UNBATCHED_FUNCTIONS or any(part in UNBATCHED_NAMESPACES for part in parts[1:-1]):
        return "unbatched"
    return None


# --------------------------------------------------------------------------------------
# Calls that make variables
# --------------------------------------------------------------------------------------
# A variable's default name comes from the order things are made in a graph: the second
# ``tf.layers.dense`` makes ``dense_1/kernel``, the second ``Dense`` layer object ``dense_1``,
# ``tf.get_variable`` and ``tf.compat.v1.metrics`` take their scope's unique name.  A fix
# that moves such a call past another one changes the names, and a checkpoint written
# before the fix no longer restores (or restores into the wrong layers).

#: Name parts of TensorFlow calls that may make variables (a layer function or class, a
#: variable maker, a scope, a template, a feature column's embedding, a hub module, a
#: metric's local accumulators, an Estimator's model).
VARIABLE_MAKER_PARTS = frozenset(
    {"layers", "keras", "get_variable", "Variable", "variable_scope", "make_template", "feature_column",
     "estimator", "hub", "get_local_variable", "Module", "metrics", "get_or_create_global_step",
     "create_global_step", "model_variable", "variable", "make_variable"}
)
#: Names under those parts that never make one: the spec and its pieces.
NO_VARIABLE_NAMES = frozenset(
    ESTIMATOR_SPEC_NAMES | {"ModeKeys", "PredictOutput", "ClassificationOutput", "RegressionOutput"}
)
#: Builtins a model_fn calls that make no variables.
PLAIN_BUILTINS = frozenset(
    {"dict", "list", "tuple", "set", "len", "int", "float", "bool", "str", "range", "zip", "enumerate",
     "isinstance", "min", "max", "abs", "sum", "sorted", "reversed", "print", "getattr", "hasattr", "round"}
)


def may_make_variables(qualname: Optional[str]) -> bool:
    """Whether calling ``qualname`` may make variables: True for anything that is not a
    TensorFlow name known as a plain op (an unknown function, a method, a layer object's
    call: ``qualname`` None), False for ``tf.nn.softmax``, ``tf.argmax``, ``tf.matmul`` ..."""
    if not qualname:
        return True
    if qualname in PLAIN_BUILTINS:
        return False
    if not is_tf_qualname(qualname):
        return True
    parts = qualname.split(".")
    if parts[-1] in NO_VARIABLE_NAMES:
        return False
    return bool(VARIABLE_MAKER_PARTS & set(parts))


#: Names (the last component) that make a file worth parsing: any file that can hold a
#: finding mentions one of these (or a project class derived from them).
PREFILTER_WORDS = tuple(
    sorted(
        {"Estimator", "model_fn", "input_fn", OVERRIDE_GUARD}
        | {n for n in ESTIMATOR_CLASS_NAMES if "Estimator" not in n}
    )
)


# --------------------------------------------------------------------------------------
# The Estimator API's removal (EST106)
# --------------------------------------------------------------------------------------
# TensorFlow 2.16 dropped ``tf.estimator`` ("The tf.estimator API is removed", 2.16.1 release
# notes): measured with tensorflow-cpu 2.16.2, ``tf.estimator``, ``tf.compat.v1.estimator``
# and ``tf.keras.estimator`` raise ``AttributeError: module ... has no attribute
# 'estimator'`` and ``import tensorflow_estimator`` raises ``ModuleNotFoundError``, while
# ``tf.compat.v1.train.SessionRunHook`` and ``MonitoredTrainingSession`` remain.

#: The first TensorFlow release without the Estimator API.
ESTIMATOR_API_REMOVED_IN = "2.16"
#: tensorflow-estimator's last release (the package is not developed any more).
LAST_ESTIMATOR_RELEASE = "2.15.0"
#: Distributions that install the ``tensorflow`` module (canonical names).
TENSORFLOW_DISTRIBUTIONS = frozenset(
    {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly", "tf-nightly-cpu", "tf-nightly-gpu",
     "tensorflow-macos", "tensorflow-intel", "tensorflow-aarch64"}
)
#: Distributions whose every release is a pre-release (``2.17.0.dev20240301``).
NIGHTLY_DISTRIBUTIONS = frozenset({"tf-nightly", "tf-nightly-cpu", "tf-nightly-gpu"})
#: The Estimator API's own distribution: its version follows the TensorFlow line it was made for.
ESTIMATOR_DISTRIBUTION = "tensorflow-estimator"
#: What a project pins to keep Estimator code running (EST106's first way out).
ESTIMATOR_PIN = "tensorflow<2.16` with `tensorflow-estimator==2.15.*"
#: The word every spelling of the Estimator API contains (the prefilter's word for EST106).
ESTIMATOR_API_WORD = "estimator"

_MIGRATE = "https://www.tensorflow.org/guide/migrate/"
#: TensorFlow's migration guide, by the kind of Estimator API a file uses.
MIGRATION_GUIDES = {
    "canned": ("canned Estimators", _MIGRATE + "canned_estimators"),
    "tpu": ("TPUEstimator", _MIGRATE + "tpu_estimator"),
    "train_and_evaluate": ("train_and_evaluate", _MIGRATE + "multi_worker_cpu_gpu_training"),
    "hooks": ("SessionRunHooks", _MIGRATE + "sessionrunhook_callback"),
    "export": ("SavedModel export", _MIGRATE + "saved_model"),
    "model_fn": ("Estimator and model_fn", _MIGRATE + "migrating_estimator"),
}
#: Members of ``tf.estimator`` that belong to ``train_and_evaluate``.
TRAIN_AND_EVALUATE_NAMES = frozenset({"train_and_evaluate", "TrainSpec", "EvalSpec", "FinalExporter", "LatestExporter",
                                      "BestExporter", "Exporter"})


def estimator_api_path(qualname: Optional[str]) -> Optional[List[str]]:
    """The members after the Estimator namespace when ``qualname`` is part of the removed
    Estimator API (``tensorflow.compat.v1.estimator.Estimator`` -> ``["Estimator"]``,
    ``tensorflow.estimator`` -> ``[]``), else None."""
    if not qualname:
        return None
    parts = qualname.split(".")
    if parts[0] == "tensorflow_estimator":
        # tensorflow_estimator.python.estimator.canned.dnn.DNNClassifier: the class is last.
        rest = parts[1:]
        while rest[:1] and rest[0] in ("python", "estimator", "api", "_v1", "_v2", "v1", "v2"):
            rest = rest[1:]
        return rest
    if parts[0] != "tensorflow":
        return None
    rest = parts[1:]
    while rest[:2] in (["compat", "v1"], ["compat", "v2"]):
        rest = rest[2:]
    if rest[:1] == ["estimator"]:
        return rest[1:]
    if rest[:2] == ["keras", "estimator"]:
        return ["model_to_estimator"] if rest[2:3] == ["model_to_estimator"] else rest[2:]
    return None


def migration_topic(members: List[str]) -> str:
    """The :data:`MIGRATION_GUIDES` key for an Estimator API member path."""
    if not members:
        return "model_fn"
    if "tpu" in members or any(m.startswith("TPU") for m in members):
        return "tpu"
    if members[0] in ("export", "experimental") and any("erving" in m or "xport" in m for m in members) \
            or any(m.endswith("ServingInputReceiver") or "serving_input" in m for m in members):
        return "export"
    if any(m in TRAIN_AND_EVALUATE_NAMES for m in members):
        return "train_and_evaluate"
    if any(m.endswith(("Hook", "SessionRunArgs", "SessionRunContext", "SessionRunValues")) for m in members):
        return "hooks"
    if "canned" in members or any(m in ESTIMATOR_CLASS_NAMES and m not in MODEL_FN_ESTIMATOR_NAMES for m in members):
        return "canned"
    return "model_fn"
