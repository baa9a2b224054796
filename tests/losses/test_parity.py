"""Every loss, function and class form, against Keras 3 on the same inputs (all reductions and weights)."""

import numpy as np
import pytest

import lamina
from lamina import losses
from tests.conftest import BACKEND, to_np
from tests.losses.cases import CASES, case_id, keras_is_broken, regression, sample_weights, sparse_class_axis1

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]
WEIGHTS = [None, "per_sample", "column", "scalar"]
TOL = dict(atol=1e-5, rtol=1e-5)


def _close(actual, expected):
    actual, expected = to_np(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, **TOL)


def _skip_broken_oracle(case):
    if keras_is_broken(case, BACKEND):
        pytest.skip("Keras's numpy-backend normalize() breaks for axis != -1; see the NumPy reference test")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_function_matches_keras(case, keras):
    _, fn_name, kwargs, gen = case
    if getattr(gen, "class_only", False):
        pytest.skip("the bare Keras function requires equal shapes; only the Loss aligns ranks")
    _skip_broken_oracle(case)
    y_true, y_pred = gen(0)
    kt, kp = keras.ops.convert_to_tensor(y_true), keras.ops.convert_to_tensor(y_pred)
    expected = keras.ops.convert_to_numpy(getattr(keras.losses, fn_name)(kt, kp, **kwargs))
    actual = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    _close(actual, expected)
    assert lamina.ops.dtype(actual) == "float32"


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_class_matches_keras(case, reduction, weights, keras):
    cls_name, _, kwargs, gen = case
    _skip_broken_oracle(case)
    y_true, y_pred = gen(1)
    sw = sample_weights(weights, y_pred)
    ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
    try:
        expected = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)(y_true, y_pred, sample_weight=sw)
    except (ValueError, TypeError, RuntimeError):
        per_sample = to_np(getattr(losses, cls_name)(reduction=None, **kwargs)(y_true, y_pred))
        try:
            np.broadcast_shapes(np.shape(sw), per_sample.shape)
        except ValueError:
            # Weights that cannot broadcast: Keras fails deep in the framework, lamina says so clearly.
            with pytest.raises(ValueError, match=f"{ours.name}: `sample_weight` must broadcast"):
                ours(y_true, y_pred, sample_weight=sw)
            return
        pytest.skip(f"the Keras oracle fails on weights that broadcast ({BACKEND} backend)")
    actual = ours(y_true, y_pred, sample_weight=sw)
    _close(actual, keras.ops.convert_to_numpy(expected))
    assert lamina.ops.dtype(actual) == "float32"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_get_config_matches_keras_and_round_trips(case, keras):
    cls_name, _, kwargs, _ = case
    ours = getattr(losses, cls_name)(name="my_loss", reduction="sum", **kwargs)
    theirs = getattr(keras.losses, cls_name)(name="my_loss", reduction="sum", **kwargs)
    assert ours.get_config() == theirs.get_config()
    assert getattr(losses, cls_name)().get_config() == getattr(keras.losses, cls_name)().get_config()
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    # A config written by Keras builds the same loss here.
    from_keras = losses.deserialize(keras.losses.serialize(theirs))
    assert type(from_keras) is type(ours) and from_keras.get_config() == ours.get_config()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_class_signature_matches_keras(case, keras):
    import inspect

    cls_name, fn_name, _, _ = case
    ours, theirs = getattr(losses, cls_name), getattr(keras.losses, cls_name)
    assert str(inspect.signature(ours.__init__)) == str(inspect.signature(theirs.__init__))
    assert _strip_hints(inspect.signature(getattr(losses, fn_name))) == \
        _strip_hints(inspect.signature(getattr(keras.losses, fn_name)))


def _strip_hints(sig):
    return "(" + ",".join(str(p.replace(annotation=p.empty)) for p in sig.parameters.values()) + ")"


def test_loss_on_float16_and_float64_inputs_computes_in_loss_dtype(keras):
    y_true, y_pred = np.array([[0.0, 1.0]], "float16"), np.array([[0.3, 0.6]], "float16")
    ours = losses.MeanSquaredError()(y_true, y_pred)
    theirs = keras.losses.MeanSquaredError()(y_true, y_pred)
    assert lamina.ops.dtype(ours) == "float32" == keras.ops.dtype(theirs)
    _close(ours, keras.ops.convert_to_numpy(theirs))
    ours16 = losses.MeanSquaredError(dtype="float16")(y_true.astype("float32"), y_pred.astype("float32"))
    assert lamina.ops.dtype(ours16) == "float16"
    assert losses.MeanSquaredError(dtype="mixed_bfloat16").dtype == "bfloat16"


def test_ignore_class_is_left_out_of_the_mean(keras):
    y_true = np.array([[0, 1, 2], [2, 2, 1]], "int32")
    logits = np.random.default_rng(3).normal(size=(2, 3, 3)).astype("float32")
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    full = to_np(losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(y_true, logits))
    keep = y_true != 2
    np.testing.assert_allclose(to_np(loss(y_true, logits)), full[keep].mean(), **TOL)
    none = to_np(losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2, reduction=None)(
        y_true, logits))
    np.testing.assert_allclose(none, np.where(keep, full, 0.0), **TOL)


def test_ctc_loss_matches_numpy_reference():
    # One label "1" over two steps and two classes {blank=0, 1}: paths 11, 01, 10.
    logits = np.log(np.array([[[0.4, 0.6], [0.7, 0.3]]], "float32"))
    value = to_np(losses.ctc(np.array([[1]], "int32"), logits))
    p = 0.6 * 0.3 + 0.4 * 0.3 + 0.6 * 0.7
    np.testing.assert_allclose(value, [-np.log(p)], **TOL)


def test_cosine_similarity_matches_numpy_reference_on_any_axis():
    y_true, y_pred = regression(4)
    for axis in (0, -1):
        nt = y_true / np.maximum(np.linalg.norm(y_true, axis=axis, keepdims=True), 1e-12)
        npd = y_pred / np.maximum(np.linalg.norm(y_pred, axis=axis, keepdims=True), 1e-12)
        _close(losses.cosine_similarity(y_true, y_pred, axis=axis), -(nt * npd).sum(axis=axis))


@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_categorical_crossentropy_on_class_axis_1(from_logits):
    # Keras's own op only handles axis=-1; lamina follows `axis`, checked against the last-axis result.
    y_true, logits = sparse_class_axis1(5)
    y_pred = logits if from_logits else np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    last = losses.sparse_categorical_crossentropy(y_true, np.moveaxis(y_pred, 1, -1), from_logits=from_logits)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, axis=1, reduction=None)
    _close(loss(y_true, y_pred), to_np(last))
    _close(losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=1), to_np(last))
