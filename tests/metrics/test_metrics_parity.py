"""Every metric class of lamina.metrics against real Keras 3 (the oracle) on the same backend:
results after several update_state calls (with and without sample weights), reset_state,
and get_config."""

import warnings

import numpy as np
import pytest

import lamina
from tests.conftest import to_np

N = 8


@pytest.fixture
def keras(keras):
    """The oracle with fresh auto-generated names, like lamina's in each test."""
    keras.backend.clear_session(free_memory=False)
    return keras


def _rng(seed):
    return np.random.default_rng(seed)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


# ----------------------------------------------------------------------------- data
# Each data kind gives one (y_true, y_pred) batch per seed; the update sequence uses three
# batches: unweighted, weighted with (N,) weights and weighted with (N, 1) weights.
def _binary(r):
    return r.integers(0, 2, (N, 1)).astype("float32"), r.uniform(0, 1, (N, 1)).astype("float32")


def _binary_flat(r):
    yt, yp = _binary(r)
    return yt[:, 0], yp[:, 0]


def _binary_with_edges(r):  # predictions exactly 0 and 1 exercise the bucket edges of AUC
    yt, yp = _binary_flat(r)
    yp[:2] = [0.0, 1.0]
    yp[2] = 0.5
    return yt, yp


def _multilabel(r):
    return r.integers(0, 2, (N, 3)).astype("float32"), r.uniform(0, 1, (N, 3)).astype("float32")


def _logits(r):
    return r.integers(0, 2, (N, 3)).astype("float32"), r.normal(0, 2, (N, 3)).astype("float32")


def _onehot(r, c=4):
    labels = r.integers(0, c, N)
    return np.eye(c, dtype="float32")[labels], _softmax(r.normal(0, 1.5, (N, c)))


def _onehot5(r):
    return _onehot(r, 5)


def _sparse(r, c=4):
    return r.integers(0, c, N).astype("int32"), _softmax(r.normal(0, 1.5, (N, c)))


def _sparse_col(r):
    yt, yp = _sparse(r)
    return yt[:, None], yp


def _sparse_float(r):
    yt, yp = _sparse(r, 5)
    return yt.astype("float32"), yp


def _sorted_ids(r):
    yt, yp = _sparse(r, 5)
    return yt, np.argsort(-yp, axis=-1).astype("int32")


def _sparse_logits(r):
    return r.integers(0, 4, N).astype("int32"), r.normal(0, 2, (N, 4)).astype("float32")


def _regression(r):
    return r.normal(1, 1, (N, 3)).astype("float32"), r.normal(1, 1, (N, 3)).astype("float32")


def _positive(r):
    return r.uniform(0.1, 3, (N, 3)).astype("float32"), r.uniform(0.1, 3, (N, 3)).astype("float32")


def _probs(r):
    return _softmax(r.normal(0, 1, (N, 4))), _softmax(r.normal(0, 1, (N, 4)))


def _signs(r):
    return r.choice([-1.0, 1.0], (N, 3)).astype("float32"), r.normal(0, 1, (N, 3)).astype("float32")


def _ints_eq(r):
    yt = r.integers(0, 3, (N, 3)).astype("int32")
    yp = np.where(r.uniform(size=(N, 3)) < 0.5, yt, r.integers(0, 3, (N, 3))).astype("int32")
    return yt, yp


def _segmentation(r):  # class ids, some out of range (ignored) and some equal to 2
    yt = r.integers(0, 3, (N, 2)).astype("int32")
    yp = np.where(r.uniform(size=(N, 2)) < 0.6, yt, r.integers(0, 3, (N, 2))).astype("int32")
    yp[0, 0] = 5
    return yt, yp


def _seg_onehot(r):
    yt, _ = _segmentation(r)
    return np.eye(3, dtype="float32")[yt], _softmax(r.normal(0, 1, (N, 2, 3)))


def _seg_binary(r):
    return r.integers(0, 2, (N, 2)).astype("float32"), r.uniform(0, 1, (N, 2)).astype("float32")


def _seq_regression(r):
    return r.normal(0, 1, (N, 5)).astype("float32"), r.normal(0, 1, (N, 5)).astype("float32")


# ----------------------------------------------------------------------------- table
# (id, class name, kwargs, data kind, weights): weights False: unweighted updates only; True:
# (N,) then (N, 1) weights; "flat": (N,) weights only; "full": weights of the labels' shape (N, 2).
CASES = [
    ("accuracy", "Accuracy", {}, _ints_eq, True),
    ("binary_accuracy", "BinaryAccuracy", {}, _binary, True),
    ("binary_accuracy_flat_thr", "BinaryAccuracy", {"threshold": 0.3}, _binary_flat, True),
    ("categorical_accuracy", "CategoricalAccuracy", {}, _onehot, True),
    ("sparse_categorical_accuracy", "SparseCategoricalAccuracy", {}, _sparse, True),
    ("sparse_categorical_accuracy_col", "SparseCategoricalAccuracy", {}, _sparse_col, True),
    ("top_k", "TopKCategoricalAccuracy", {"k": 2}, _onehot5, True),
    ("sparse_top_k", "SparseTopKCategoricalAccuracy", {"k": 2}, _sparse_float, True),
    ("sparse_top_k_col", "SparseTopKCategoricalAccuracy", {"k": 3}, _sparse_col, True),
    ("sparse_top_k_sorted", "SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}, _sorted_ids, True),
    ("auc", "AUC", {}, _binary_with_edges, True),
    ("auc_3", "AUC", {"num_thresholds": 3}, _binary, True),
    ("auc_pr", "AUC", {"curve": "PR"}, _binary, True),
    ("auc_pr_majoring", "AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50}, _binary, True),
    ("auc_roc_minoring", "AUC", {"summation_method": "minoring", "num_thresholds": 20}, _binary_with_edges, True),
    ("auc_prgain", "AUC", {"curve": "PRGAIN", "num_thresholds": 30}, _binary, True),
    ("auc_thresholds", "AUC", {"thresholds": [0.7, 0.1, 0.4]}, _binary_with_edges, True),
    ("auc_even_thresholds", "AUC", {"thresholds": [0.25, 0.5, 0.75]}, _binary_with_edges, True),
    ("auc_multilabel", "AUC", {"multi_label": True, "num_thresholds": 40}, _multilabel, True),
    ("auc_multilabel_built", "AUC", {"multi_label": True, "num_labels": 3, "curve": "PR"}, _multilabel, True),
    ("auc_multilabel_weights", "AUC", {"multi_label": True, "label_weights": [0.5, 1.0, 2.0],
                                       "thresholds": [0.3, 0.6]}, _multilabel, True),
    ("auc_label_weights", "AUC", {"label_weights": [0.5, 1.0, 2.0], "num_thresholds": 25}, _multilabel, True),
    ("auc_label_weights_dense", "AUC", {"label_weights": [0.5, 1.0, 2.0], "thresholds": [0.2, 0.55]},
     _multilabel, True),
    ("auc_logits", "AUC", {"from_logits": True, "curve": "PR", "num_thresholds": 60}, _logits, True),
    ("precision", "Precision", {}, _binary, True),
    ("precision_thresholds", "Precision", {"thresholds": [0.2, 0.5, 0.8]}, _binary_flat, True),
    ("precision_even", "Precision", {"thresholds": [0.0, 0.5, 1.0]}, _binary_with_edges, True),
    ("precision_top_k", "Precision", {"top_k": 2}, _onehot, True),
    ("precision_class_id", "Precision", {"class_id": 1, "thresholds": 0.3}, _multilabel, True),
    ("recall", "Recall", {}, _binary, True),
    ("recall_top_k_class", "Recall", {"top_k": 2, "class_id": 2}, _onehot, True),
    ("recall_multilabel", "Recall", {"thresholds": [0.3, 0.7]}, _multilabel, True),
    ("true_positives", "TruePositives", {}, _binary, True),
    ("false_positives", "FalsePositives", {"thresholds": [0.15, 0.5, 0.85]}, _binary_flat, True),
    ("true_negatives", "TrueNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, _binary_with_edges, True),
    ("false_negatives", "FalseNegatives", {}, _multilabel, True),
    ("precision_at_recall", "PrecisionAtRecall", {"recall": 0.5}, _binary, True),
    ("precision_at_recall_cls", "PrecisionAtRecall", {"recall": 0.3, "num_thresholds": 10, "class_id": 1},
     _multilabel, True),
    ("recall_at_precision", "RecallAtPrecision", {"precision": 0.6}, _binary_with_edges, True),
    ("sens_at_spec", "SensitivityAtSpecificity", {"specificity": 0.5}, _binary, True),
    ("sens_at_spec_1", "SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 1}, _binary, True),
    ("spec_at_sens", "SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 25}, _multilabel, True),
    ("f1", "F1Score", {}, _onehot, "flat"),
    ("f1_micro", "F1Score", {"average": "micro", "threshold": 0.3}, _multilabel, "flat"),
    ("f1_macro", "F1Score", {"average": "macro", "threshold": 0.5}, _multilabel, "flat"),
    ("f1_weighted", "F1Score", {"average": "weighted"}, _onehot, "flat"),
    ("fbeta", "FBetaScore", {"beta": 2.0, "threshold": 0.4}, _multilabel, "flat"),
    ("fbeta_weighted", "FBetaScore", {"beta": 0.5, "average": "weighted", "threshold": 0.5}, _multilabel, "flat"),
    ("mean_iou", "MeanIoU", {"num_classes": 3}, _segmentation, "full"),
    ("mean_iou_float", "MeanIoU", {"num_classes": 3, "dtype": "float32"}, _segmentation, "full"),
    ("iou", "IoU", {"num_classes": 3, "target_class_ids": [0, 2], "ignore_class": 1}, _segmentation, "full"),
    ("iou_float", "IoU", {"num_classes": 3, "target_class_ids": [2], "dtype": "float32"}, _segmentation, "full"),
    ("iou_dense_pred", "IoU", {"num_classes": 3, "target_class_ids": [0, 1], "sparse_y_pred": False},
     lambda r: (_segmentation(r)[0], _seg_onehot(r)[1]), "full"),
    ("binary_iou", "BinaryIoU", {}, _seg_binary, "full"),
    ("binary_iou_thr", "BinaryIoU", {"target_class_ids": [1], "threshold": 0.3, "dtype": "float32"},
     _seg_binary, "full"),
    ("one_hot_iou", "OneHotIoU", {"num_classes": 3, "target_class_ids": [1, 2]}, _seg_onehot, "full"),
    ("one_hot_mean_iou", "OneHotMeanIoU", {"num_classes": 3, "dtype": "float32"}, _seg_onehot, "full"),
    ("mse", "MeanSquaredError", {}, _regression, True),
    ("rmse", "RootMeanSquaredError", {}, _regression, True),
    ("mae", "MeanAbsoluteError", {}, _regression, True),
    ("mape", "MeanAbsolutePercentageError", {}, _regression, True),
    ("msle", "MeanSquaredLogarithmicError", {}, _positive, True),
    ("cosine", "CosineSimilarity", {}, _regression, True),
    ("cosine_axis1", "CosineSimilarity", {"axis": 1},
     lambda r: (r.normal(0, 1, (N, 3, 2)).astype("float32"), r.normal(0, 1, (N, 3, 2)).astype("float32")), True),
    ("logcosh", "LogCoshError", {}, _regression, True),
    ("r2", "R2Score", {}, _regression, True),
    ("r2_variance", "R2Score", {"class_aggregation": "variance_weighted_average"}, _regression, True),
    ("r2_none", "R2Score", {"class_aggregation": None}, _regression, True),
    ("r2_adjusted", "R2Score", {"num_regressors": 2}, _regression, True),
    ("r2_adjusted_fallback", "R2Score", {"num_regressors": 30}, _regression, False),
    ("bce", "BinaryCrossentropy", {}, _multilabel, True),
    ("bce_logits_smooth", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, _logits, True),
    ("cce", "CategoricalCrossentropy", {}, _onehot, True),
    ("cce_smooth_logits", "CategoricalCrossentropy", {"label_smoothing": 0.2, "from_logits": True},
     lambda r: (_onehot(r)[0], r.normal(0, 2, (N, 4)).astype("float32")), True),
    ("scce", "SparseCategoricalCrossentropy", {}, _sparse, True),
    ("scce_logits", "SparseCategoricalCrossentropy", {"from_logits": True}, _sparse_logits, True),
    ("scce_ignore", "SparseCategoricalCrossentropy", {"ignore_class": 1}, _sparse_col, True),
    ("kld", "KLDivergence", {}, _probs, True),
    ("poisson", "Poisson", {}, _positive, True),
    ("hinge", "Hinge", {}, _multilabel, True),
    ("hinge_signs", "Hinge", {}, _signs, True),
    ("squared_hinge", "SquaredHinge", {}, _signs, True),
    ("categorical_hinge", "CategoricalHinge", {}, _onehot, True),
    ("pearson", "PearsonCorrelation", {}, _seq_regression, True),
    ("concordance", "ConcordanceCorrelation", {}, _seq_regression, True),
    ("pearson_axis0", "PearsonCorrelation", {"axis": 0}, _seq_regression, False),
]


def _updates(data_fn, weighted, seed):
    r = _rng(seed)
    batches = [data_fn(r) for _ in range(3)]
    if not weighted:
        return [(yt, yp, None) for yt, yp in batches]
    if weighted == "full":  # one weight per label entry (IoU flattens labels and weights alike)
        shape = (N, 2)
        w1, w2 = r.uniform(0, 2, shape).astype("float32"), r.integers(0, 3, shape).astype("float32")
    else:
        w1 = r.uniform(0, 2, N).astype("float32")
        w1[1] = 0.0
        # (N, 1) weights where the labels have a feature axis (Keras rejects them for rank-1
        # labels, and F1/FBeta take (N,) weights only)
        flat = weighted == "flat" or np.ndim(batches[2][0]) == 1
        w2 = r.integers(0, 3, (N,) if flat else (N, 1)).astype("float32")
    return [(batches[0][0], batches[0][1], None), (batches[1][0], batches[1][1], w1),
            (batches[2][0], batches[2][1], w2)]


def _int_weights_if_needed(metric, w):
    # Keras warns (and truncates) when float weights meet an int-dtype IoU; give ints there.
    if w is not None and "int" in str(metric.dtype):
        return w.astype("int32")
    return w


def _np_config(config):
    out = {}
    for k, v in config.items():
        if hasattr(v, "shape") and not isinstance(v, (list, tuple)):
            v = np.asarray(v).tolist()
        elif isinstance(v, (list, tuple)):
            v = [float(x) if isinstance(x, (float, np.floating)) else x for x in v]
        out[k] = v
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_metric_matches_keras(case, keras):
    _, cls_name, kwargs, data_fn, weighted = case
    ours = getattr(lamina.metrics, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    updates = _updates(data_fn, weighted, seed=len(cls_name) + len(kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for yt, yp, w in updates:
            w = _int_weights_if_needed(theirs, w)
            ours.update_state(yt, yp, sample_weight=w)
            theirs.update_state(yt, yp, sample_weight=w)
            expected = keras.ops.convert_to_numpy(theirs.result())
            np.testing.assert_allclose(to_np(ours.result()), expected, rtol=1e-5, atol=1e-5)
        # state: same number of variables, same values
        assert len(ours.variables) == len(theirs.variables)
        for a, b in zip(ours.variables, theirs.variables):
            assert a.name == b.name and tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(b.value), rtol=1e-5, atol=1e-4)
        ours.reset_state()
        theirs.reset_state()
        np.testing.assert_allclose(to_np(ours.result()), keras.ops.convert_to_numpy(theirs.result()),
                                   rtol=1e-5, atol=1e-5, equal_nan=True)
        yt, yp, w = updates[-1]
        w = _int_weights_if_needed(theirs, w)
        ours.update_state(yt, yp, sample_weight=w)
        theirs.update_state(yt, yp, sample_weight=w)
        np.testing.assert_allclose(to_np(ours.result()), keras.ops.convert_to_numpy(theirs.result()),
                                   rtol=1e-5, atol=1e-5)
    assert ours.name == theirs.name
    assert ours.dtype == theirs.dtype
    assert _np_config(ours.get_config()) == _np_config(theirs.get_config())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_metric_from_config_round_trip(case):
    _, cls_name, kwargs, data_fn, _ = case
    metric = getattr(lamina.metrics, cls_name)(**kwargs)
    clone = type(metric).from_config(metric.get_config())
    assert _np_config(clone.get_config()) == _np_config(metric.get_config())
    assert len(clone.variables) == len(metric.variables)


# ----------------------------------------------------------------------------- Mean and Sum
# (values shape, sample_weight shape or None); weights of rank above, below and equal to values.
MEAN_SHAPES = [((4,), None), ((4,), (4,)), ((4, 3), None), ((4, 3), (4,)), ((4, 3), (4, 1)),
               ((4, 3), (4, 3)), ((4, 1), (4,)), ((4,), (4, 1)), ((4, 3, 2), (4, 3)), ((4, 3, 2), (4,)),
               ((), None), ((), ()), ((4,), ()), ((4, 3), (1,)), ((4, 3, 2), (4, 3, 1))]


@pytest.mark.parametrize("cls_name", ["Mean", "Sum"])
def test_mean_and_sum_weighting_match_keras(cls_name, keras):
    """Keras's weighting: values averaged (Sum: summed) over axes the weights lack, weights averaged
    over their non-batch axes, and each update adds sum(weights) (or the batch size) to count."""
    r = _rng(3)
    ours = getattr(lamina.metrics, cls_name)()
    theirs = getattr(keras.metrics, cls_name)()
    for vs, ws in MEAN_SHAPES:
        values = r.normal(0, 1, vs).astype("float32")
        weight = None if ws is None else r.uniform(0, 2, ws).astype("float32")
        ours.update_state(values, sample_weight=weight)
        theirs.update_state(values, sample_weight=weight)
        for a, b in zip(ours.variables, theirs.variables):
            np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(b.value), rtol=1e-5, atol=1e-5,
                                       err_msg=f"values {vs}, weights {ws}, variable {a.name}")
        np.testing.assert_allclose(to_np(ours.result()), keras.ops.convert_to_numpy(theirs.result()), rtol=1e-5)


def test_mean_examples():
    m = lamina.metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(to_np(m.result())) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(to_np(m.result())) == 2.0
    # A scalar weight weighs the batch mean once (Keras semantics), not every element.
    m.reset_state()
    m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=2.0)
    m.update_state([0.0])
    assert np.isclose(float(to_np(m.result())), 8.0 / 3.0)
    s = lamina.metrics.Sum()
    s.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.0])
    assert float(to_np(s.result())) == 3.0


def test_mean_tensor_matches_numpy():
    m = lamina.metrics.MeanTensor()
    a = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    b = np.array([[3.0, 0.0], [1.0, 2.0]], "float32")
    m.update_state(a)
    m.update_state(b, sample_weight=[[1.0], [3.0]])
    w = np.array([[1.0], [3.0]])
    np.testing.assert_allclose(to_np(m.result()), (a + b * w) / (1 + w), rtol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        m.update_state(np.ones(3, "float32"))
    m.reset_state()
    np.testing.assert_array_equal(to_np(m.result()), np.zeros((2, 2)))
    assert lamina.metrics.MeanTensor(shape=(3,)).get_config() == {"name": "mean_tensor", "dtype": "float32",
                                                                  "shape": [3]}
    with pytest.raises(ValueError, match="no value yet"):
        lamina.metrics.MeanTensor().result()


def test_mean_metric_wrapper_matches_keras(keras):
    ours = lamina.metrics.MeanMetricWrapper(lamina.metrics.binary_accuracy, threshold=0.3)
    theirs = keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, threshold=0.3)
    for yt, yp, w in _updates(_binary, True, seed=5):
        ours.update_state(yt, yp, sample_weight=w)
        theirs.update_state(yt, yp, sample_weight=w)
    np.testing.assert_allclose(to_np(ours.result()), keras.ops.convert_to_numpy(theirs.result()), rtol=1e-6)
    assert ours.name == theirs.name == "mean_metric_wrapper"
    ours_cfg, theirs_cfg = ours.get_config(), theirs.get_config()
    assert set(ours_cfg) == set(theirs_cfg)
    assert {k: ours_cfg[k] for k in ("name", "dtype", "threshold")} == \
        {k: theirs_cfg[k] for k in ("name", "dtype", "threshold")}
    clone = lamina.metrics.MeanMetricWrapper.from_config(ours_cfg)
    assert clone._fn is lamina.metrics.binary_accuracy and clone._fn_kwargs == {"threshold": 0.3}
