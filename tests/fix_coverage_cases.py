"""Small model_fns in the shapes real Estimator code captures tensors in (EST102/EST103),
each with what its fix must be: ``safe``, ``unsafe`` or ``none`` (no fix, and a reason).

Shared by ``tests/test_fix_coverage.py`` (each case's fix) and
``scripts/fix_coverage.py`` (the coverage table per rule).  None of these programs is a
fixture: they are written from the shapes of TensorFlow's guides and of model zoos, not
from the fixtures the fixes were built on.
"""

import textwrap

IMPORTS = "import tensorflow as tf\n"
V1 = "import tensorflow.compat.v1 as tf\n"


def _src(body: str, head: str = IMPORTS) -> str:
    return head + textwrap.dedent(body).lstrip("\n")


#: name -> (source, {(line, code): expected}) with expected one of "safe", "unsafe", "none".
#: Lines count from 1 in the whole source (the import is line 1).
CASES = {
    # -- one predictions dict shared by the specs --------------------------------------
    "shared_dict_global": (_src('''
        LAST = None
        def model_fn(features, labels, mode):
            global LAST
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            LAST = tf.nn.softmax(logits)
            predictions = {"logits": logits}
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss)
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, predictions=predictions)
    '''), {(6, "EST103"): "safe"}),
    "shared_dict_self_no_if": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                self.probs = tf.nn.softmax(logits)
                predictions = {"logits": logits, "classes": tf.argmax(logits, 1)}
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions, loss=loss)
            def build(self):
                return tf.estimator.Estimator(model_fn=self.model_fn)
    '''), {(5, "EST102"): "safe"}),
    # -- predictions built in other ways --------------------------------------------------
    "dict_call": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            predictions = dict(logits=logits)
            return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    '''), {(5, "EST103"): "safe"}),
    "dict_update": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            predictions = {}
            predictions.update(logits=logits)
            OUT["probs"] = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    '''), {(7, "EST103"): "safe"}),
    "helper_return_dict": (_src('''
        OUT = {}
        def _make_predictions(logits):
            return {"logits": logits, "classes": tf.argmax(logits, 1)}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            predictions = _make_predictions(logits)
            return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    '''), {(7, "EST103"): "safe"}),
    "helper_return_dict_inline": (_src('''
        OUT = {}
        def _make_predictions(logits):
            return {"logits": logits}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, predictions=_make_predictions(logits))
    '''), {(7, "EST103"): "safe"}),
    "comprehension": (_src('''
        class Net:
            def model_fn(self, features, labels, mode):
                heads = {name: tf.compat.v1.layers.dense(features["x"], 1) for name in ("a", "b")}
                self.hidden = tf.nn.relu(heads["a"])
                predictions = {name: t for name, t in heads.items()}
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            def build(self):
                return tf.estimator.Estimator(model_fn=self.model_fn)
    '''), {(5, "EST102"): "safe"}),
    "spec_positional_predictions": (_src('''
        CACHE = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            CACHE["probs"] = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, {"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "spec_bound_then_returned": (_src('''
        CACHE = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            CACHE["probs"] = tf.nn.softmax(logits)
            spec = tf.estimator.EstimatorSpec(mode=mode, predictions={"logits": logits})
            return spec
    '''), {(5, "EST103"): "safe"}),
    # -- captures under a mode test ---------------------------------------------------------
    "capture_in_if_predict": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                if mode == tf.estimator.ModeKeys.PREDICT:
                    self.probs = tf.nn.softmax(logits)
                    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                return tf.estimator.EstimatorSpec(mode, loss=loss)
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(6, "EST102"): "safe"}),
    "capture_in_if_not_train": (_src('''
        SEEN = []
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode != tf.estimator.ModeKeys.TRAIN:
                SEEN.append(tf.nn.softmax(logits))
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
    '''), {(6, "EST103"): "safe"}),
    "capture_in_if_eval_only": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                if mode == tf.estimator.ModeKeys.EVAL:
                    self.eval_probs = tf.nn.softmax(logits)
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                return tf.estimator.EstimatorSpec(mode, loss=loss)
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(6, "EST102"): "none"}),
    "capture_in_predict_block_dict_inside": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                if mode == tf.estimator.ModeKeys.PREDICT:
                    predictions = {"classes": tf.argmax(logits, 1)}
                    self.probs = tf.nn.softmax(logits)
                    export = {"serving": tf.estimator.export.PredictOutput(predictions)}
                    return tf.estimator.EstimatorSpec(mode, predictions=predictions, export_outputs=export)
                loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
                return tf.estimator.EstimatorSpec(mode, loss=loss)
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(7, "EST102"): "safe"}),
    "elif_chain": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            elif mode == tf.estimator.ModeKeys.EVAL:
                loss = tf.reduce_mean(logits)
                return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={"logits": logits})
            else:
                loss = tf.reduce_mean(logits)
                return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())
    '''), {(5, "EST103"): "safe"}),
    "mode_string_compare": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            if mode == "infer":
                OUT["probs"] = tf.nn.softmax(logits)
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
    '''), {(6, "EST103"): "safe"}),
    # -- helpers -----------------------------------------------------------------------------
    "nested_helper_returns": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                def tower(x):
                    out = tf.compat.v1.layers.dense(x, 8)
                    self.tower_out = out
                    return out
                hidden = tower(features["x"])
                return tf.estimator.EstimatorSpec(mode, predictions={"hidden": hidden})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(6, "EST102"): "safe"}),
    "method_helper_returns": (_src('''
        class Model:
            def encode(self, features):
                self.encoded = tf.compat.v1.layers.dense(features["x"], 8)
                return self.encoded
            def model_fn(self, features, labels, mode):
                encoded = self.encode(features)
                logits = tf.compat.v1.layers.dense(encoded, 3)
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(4, "EST102"): "safe"}),
    "module_helper_appends_argument": (_src('''
        TENSORS = []
        def _record(tensor):
            TENSORS.append(tensor)
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            _record(logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(logits)})
    '''), {(4, "EST103"): "safe"}),
    "module_helper_returns_global": (_src('''
        CACHE = {}
        def _tower(x):
            out = tf.compat.v1.layers.dense(x, 8)
            CACHE["tower"] = out
            return out
        def model_fn(features, labels, mode):
            hidden = _tower(features["x"])
            logits = tf.compat.v1.layers.dense(hidden, 3)
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "helper_no_return": (_src('''
        CACHE = {}
        def _summaries(logits):
            CACHE["probs"] = tf.nn.softmax(logits)
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            _summaries(logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(4, "EST103"): "safe"}),
    # -- augmented and tuple stores ------------------------------------------------------------
    "self_augmented_placeholder": (_src('''
        class Model:
            def __init__(self):
                self.total = None
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                self.total += logits
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(7, "EST102"): "unsafe"}),
    "self_augmented_assigned_before": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                self.score = tf.nn.softmax(logits)
                self.score += logits
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(5, "EST102"): "unsafe", (6, "EST102"): "unsafe"}),
    "global_list_augmented": (_src('''
        OUTPUTS = []
        def model_fn(features, labels, mode):
            global OUTPUTS
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUTPUTS += [logits]
            return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(logits)})
    '''), {(6, "EST103"): "unsafe"}),
    "tuple_parallel": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                hidden = tf.compat.v1.layers.dense(features["x"], 8)
                logits = tf.compat.v1.layers.dense(hidden, 3)
                self.hidden, self.logits = hidden, logits
                return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(logits)})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(6, "EST102"): "safe"}),
    "tuple_unpack_call": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 5)
                self.values, self.indices = tf.nn.top_k(logits, 2)
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(5, "EST102"): "unsafe"}),
    "global_tuple_unpack": (_src('''
        MEAN = VAR = None
        def model_fn(features, labels, mode):
            global MEAN, VAR
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            MEAN, VAR = tf.nn.moments(logits, axes=[1])
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(6, "EST103"): "unsafe"}),
    # -- the ways of storing -----------------------------------------------------------------
    "setattr_constant": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                setattr(self, "probs", tf.nn.softmax(logits))
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(5, "EST102"): "safe"}),
    "list_append": (_src('''
        TENSORS = []
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            TENSORS.append(tf.nn.softmax(logits))
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "list_extend": (_src('''
        TENSORS = []
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            TENSORS.extend([tf.nn.softmax(logits)])
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "registry_item": (_src('''
        REG = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            REG["probs"] = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "registry_computed_key": (_src('''
        REG = {}
        def model_fn(features, labels, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            REG[params["name"]] = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "registry_update_kw": (_src('''
        REG = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            REG.update(probs=tf.nn.softmax(logits))
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(5, "EST103"): "safe"}),
    "global_assign": (_src('''
        probs_out = None
        def model_fn(features, labels, mode):
            global probs_out
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            probs_out = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    '''), {(6, "EST103"): "safe"}),
    "nonlocal_builder": (_src('''
        def make_model_fn():
            hidden_out = None
            def model_fn(features, labels, mode):
                nonlocal hidden_out
                hidden = tf.compat.v1.layers.dense(features["x"], 8)
                hidden_out = hidden
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": tf.compat.v1.layers.dense(hidden, 3)})
            return model_fn
        est = tf.estimator.Estimator(make_model_fn())
    '''), {(7, "EST103"): "safe"}),
    "outer_object_attribute": (_src('''
        class State:
            pass
        STATE = State()
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            STATE.logits = logits
            return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(logits)})
    '''), {(7, "EST103"): "safe"}),
    # -- spellings and shapes of model_fn ----------------------------------------------------
    "tpu_spec": (_src('''
        class Model:
            def model_fn(self, features, labels, mode, params):
                logits = tf.compat.v1.layers.dense(features, 3)
                self.probs = tf.nn.softmax(logits)
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"logits": logits})
                loss = tf.reduce_mean(logits)
                return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=loss)
            def build(self):
                return tf.compat.v1.estimator.tpu.TPUEstimator(model_fn=self.model_fn, use_tpu=False)
    '''), {(5, "EST102"): "safe"}),
    "compat_v1_spelling": (_src('''
        logits_out = None
        def model_fn(features, labels, mode):
            global logits_out
            logits = tf.layers.dense(features["x"], 3)
            logits_out = logits
            return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(logits)})
    ''', head=V1), {(6, "EST103"): "safe"}),
    "estimator_subclass_override": (_src('''
        class MyEstimator(tf.estimator.Estimator):
            def _call_model_fn(self, features, labels, mode, config):
                spec = super()._call_model_fn(features, labels, mode, config)
                self.last_predictions = spec.predictions
                return spec
    '''), {(3, "EST101"): "safe", (5, "EST102"): "safe"}),
    "estimator_subclass_model_fn_method": (_src('''
        class MyEstimator(tf.estimator.Estimator):
            def __init__(self, model_dir=None):
                super().__init__(model_fn=self._model_fn, model_dir=model_dir)
                self.logits = None
            def _model_fn(self, features, labels, mode):
                self.logits = tf.compat.v1.layers.dense(features["x"], 3)
                probs = tf.nn.softmax(self.logits)
                return tf.estimator.EstimatorSpec(mode, predictions={"probs": probs})
    '''), {(7, "EST102"): "safe"}),
    "read_in_model_fn_in_block": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                if mode == tf.estimator.ModeKeys.PREDICT:
                    self.logits = tf.compat.v1.layers.dense(features["x"], 3)
                    return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(self.logits)})
                return tf.estimator.EstimatorSpec(mode, loss=tf.constant(0.0))
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(5, "EST102"): "safe"}),
    "scalar_loss_capture": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                self.loss = tf.reduce_mean(logits)
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits}, loss=self.loss)
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(5, "EST102"): "unsafe"}),
    "capture_after_predict_return": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
                self.train_logits = logits
                return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(7, "EST102"): "none"}),
    "predictions_single_tensor": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            return tf.estimator.EstimatorSpec(mode, predictions=logits)
    '''), {(5, "EST103"): "none"}),
    "predictions_dict_filled_later": (_src('''
        class Model:
            def model_fn(self, features, labels, mode):
                predictions = {}
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                predictions["logits"] = logits
                self.probs = tf.nn.softmax(logits)
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(7, "EST102"): "safe"}),
    "predictions_in_if_else_branches": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            if mode == tf.estimator.ModeKeys.PREDICT:
                spec = tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            else:
                spec = tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(logits))
            return spec
    '''), {(5, "EST103"): "safe"}),
    "self_item_store": (_src('''
        class Model:
            def __init__(self):
                self.outputs = {}
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                self.outputs["probs"] = tf.nn.softmax(logits)
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(7, "EST102"): "safe"}),
    "self_list_append": (_src('''
        class Model:
            def __init__(self):
                self.history = []
            def model_fn(self, features, labels, mode):
                logits = tf.compat.v1.layers.dense(features["x"], 3)
                self.history.append(logits)
                return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(logits)})
            def build(self):
                return tf.estimator.Estimator(self.model_fn)
    '''), {(7, "EST102"): "safe"}),
    "two_specs_different_dicts_unguarded": (_src('''
        OUT = {}
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features["x"], 3)
            OUT["probs"] = tf.nn.softmax(logits)
            if labels is None:
                return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
            return tf.estimator.EstimatorSpec(mode, predictions={"classes": tf.argmax(logits, 1)}, loss=tf.reduce_mean(logits))
    '''), {(5, "EST103"): "none"}),
}
