"""Attention layers against real Keras 3: MultiHeadAttention, GroupedQueryAttention, Attention, AdditiveAttention.

Parity: our weights are set into Keras's layer and outputs and attention scores are compared; weight names,
shapes and order, and get_config must equal Keras's. Also masks (explicit and Keras masks), errors,
gradients reaching every weight, and a small transformer block trained with fit.
"""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from tests.conftest import BACKEND, requires_training, to_np
from tests.layers.layer_test_utils import _jsonish, run_layer_test

RNG = np.random.default_rng(0)


def _rand(*shape):
    return RNG.normal(size=shape).astype("float32")


def _np_out(x):
    return [to_np(v) for v in x] if isinstance(x, (list, tuple)) else [to_np(x)]


def _keras_np(keras, x):
    return [keras.ops.convert_to_numpy(v) for v in x] if isinstance(x, (list, tuple)) \
        else [keras.ops.convert_to_numpy(x)]


def _weight_names(layer):
    """(sublayer, weight) names, e.g. ('query', 'kernel'), in weights order."""
    return [tuple(w.path.split("/")[-2:]) for w in layer.weights]


def _check_against_keras(keras, cls_name, init_kwargs, args, call_kwargs=(), keras_call_kwargs=None,
                         atol=2e-5, keras_name=None):
    """Build ours and Keras's on the same inputs, copy our weights into Keras, compare everything."""
    call_kwargs = dict(call_kwargs)
    keras_call_kwargs = call_kwargs if keras_call_kwargs is None else dict(keras_call_kwargs)
    ours = getattr(layers, cls_name)(**init_kwargs)
    theirs = getattr(keras.layers, keras_name or cls_name)(**init_kwargs)
    out = ours(*args, **call_kwargs)
    theirs(*args, **keras_call_kwargs)
    assert _weight_names(ours) == _weight_names(theirs)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    theirs.set_weights(ours.get_weights())
    expected = _keras_np(keras, theirs(*args, **keras_call_kwargs))
    got = _np_out(out)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, atol=atol, rtol=1e-4)
    assert _jsonish(ours.get_config()) == _jsonish(theirs.get_config())
    clone = type(ours).from_config(ours.get_config())
    assert _jsonish(clone.get_config()) == _jsonish(ours.get_config())
    return ours, got


def _check_symbolic(cls, init_kwargs, args, call_kwargs, real_outputs):
    """Shapes inferred on KerasTensors with a None batch agree with the real outputs."""
    sym = [lamina.KerasTensor((None,) + a.shape[1:]) for a in args]
    out = cls(**init_kwargs)(*sym, **{k: v for k, v in call_kwargs.items() if k != "training"})
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    assert len(out) == len(real_outputs)
    for s, r in zip(out, real_outputs):
        assert s.shape[0] is None and tuple(s.shape[1:]) == r.shape[1:], (s.shape, r.shape)


# ---------------------------------------------------------------------- MultiHeadAttention
MHA_CASES = {
    "self": ({"num_heads": 2, "key_dim": 3}, [(2, 4, 6), (2, 4, 6)]),
    "cross": ({"num_heads": 3, "key_dim": 2}, [(2, 4, 6), (2, 5, 7)]),
    "key_given": ({"num_heads": 2, "key_dim": 4}, [(2, 4, 6), (2, 5, 7), (2, 5, 3)]),
    "value_dim_output_shape": ({"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": (7,)},
                               [(2, 4, 6), (2, 5, 6)]),
    "output_shape_2d": ({"num_heads": 2, "key_dim": 3, "output_shape": (2, 5)}, [(2, 4, 6), (2, 5, 6)]),
    "output_shape_int": ({"num_heads": 1, "key_dim": 3, "output_shape": 8}, [(2, 4, 6), (2, 5, 6)]),
    "no_bias": ({"num_heads": 2, "key_dim": 3, "use_bias": False}, [(2, 4, 6), (2, 5, 6)]),
    "axes_1_2": ({"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}, [(2, 3, 4, 6), (2, 3, 4, 6)]),
    "axes_2": ({"num_heads": 2, "key_dim": 3, "attention_axes": 2}, [(2, 3, 4, 6), (2, 3, 5, 6)]),
    "axes_neg": ({"num_heads": 2, "key_dim": 3, "attention_axes": (-3, -2)}, [(2, 2, 3, 4, 5), (2, 2, 3, 4, 5)]),
    "gate": ({"num_heads": 2, "key_dim": 3, "use_gate": True}, [(2, 4, 6), (2, 5, 6)]),
    "sliding_window": ({"num_heads": 2, "key_dim": 3, "sliding_window": 2}, [(2, 5, 6), (2, 5, 6)]),
    "dropout_inference": ({"num_heads": 2, "key_dim": 3, "dropout": 0.5, "seed": 1}, [(2, 4, 6), (2, 5, 6)]),
    "flash_off": ({"num_heads": 2, "key_dim": 3, "flash_attention": False}, [(2, 4, 6), (2, 5, 6)]),
    "initializers": ({"num_heads": 2, "key_dim": 3, "kernel_initializer": "he_normal",
                      "bias_initializer": "ones", "kernel_regularizer": "l2",
                      "kernel_constraint": "non_neg"}, [(2, 4, 6), (2, 5, 6)]),
}

MHA_CALLS = {
    "plain": {},
    "scores": {"return_attention_scores": True},
    "causal": {"use_causal_mask": True},
    "causal_scores": {"use_causal_mask": True, "return_attention_scores": True},
}


# Every case through the explicit path (scores returned); the fused path (no scores) and causal masks for a
# subset; causal masks with other attention axes must fail clearly.
MHA_COMBOS = (
    [(case, "scores") for case in MHA_CASES]
    + [(case, "plain") for case in ("self", "cross", "key_given", "value_dim_output_shape", "no_bias", "gate",
                                    "sliding_window", "dropout_inference", "flash_off")]
    + [(case, "causal") for case in ("self", "cross", "gate", "sliding_window", "axes_1_2")]
    + [(case, "causal_scores") for case in ("self", "value_dim_output_shape", "sliding_window", "axes_2")]
)


@pytest.mark.parametrize("case,call", MHA_COMBOS)
def test_multi_head_attention_matches_keras(keras, case, call):
    init_kwargs, shapes = MHA_CASES[case]
    call_kwargs = MHA_CALLS[call]
    args = [_rand(*s) for s in shapes]
    if call_kwargs.get("use_causal_mask") and init_kwargs.get("attention_axes") not in (None, (1,)):
        # Keras fails deep inside (AxisError / Softmax broadcast); ours says why.
        with pytest.raises(ValueError, match="MultiHeadAttention.*use_causal_mask.*axis 1"):
            layers.MultiHeadAttention(**init_kwargs)(*args, **call_kwargs)
        return
    keras_kwargs = call_kwargs
    if BACKEND == "jax" and init_kwargs.get("value_dim") and not call_kwargs.get("return_attention_scores"):
        # Keras's fused jax path rejects value_dim != key_dim; its explicit path is the same maths.
        keras_kwargs = dict(call_kwargs, return_attention_scores=True)
        theirs_first = True
    else:
        theirs_first = False
    if theirs_first:
        ours = layers.MultiHeadAttention(**init_kwargs)
        out = _np_out(ours(*args, **call_kwargs))
        theirs = keras.layers.MultiHeadAttention(**init_kwargs)
        theirs(*args, **keras_kwargs)
        theirs.set_weights(ours.get_weights())
        np.testing.assert_allclose(out[0], _keras_np(keras, theirs(*args, **keras_kwargs))[0], atol=2e-5, rtol=1e-4)
    else:
        _, out = _check_against_keras(keras, "MultiHeadAttention", init_kwargs, args, call_kwargs)
    _check_symbolic(layers.MultiHeadAttention, init_kwargs, args, call_kwargs, out)
    ours = layers.MultiHeadAttention(**init_kwargs)
    ours(*args)
    assert tuple(ours.compute_output_shape(*[a.shape for a in args])) == out[0].shape


def test_multi_head_attention_weight_layout(keras):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, use_gate=True)
    mha(_rand(2, 4, 6), _rand(2, 5, 7))
    assert _weight_names(mha) == [("query", "kernel"), ("query", "bias"), ("key", "kernel"), ("key", "bias"),
                                  ("gate", "kernel"), ("gate", "bias"), ("value", "kernel"), ("value", "bias"),
                                  ("attention_output", "kernel"), ("attention_output", "bias")]
    assert [tuple(w.shape) for w in mha.weights] == [(6, 2, 3), (2, 3), (7, 2, 3), (2, 3), (6, 2, 4), (2, 4),
                                                     (7, 2, 4), (2, 4), (2, 4, 6), (6,)]
    # Sublayers are reachable under Keras's attribute names (the weight-file layout follows them).
    assert mha.query_dense.name == "query" and mha.key_dense.name == "key"
    assert mha.value_dense.name == "value" and mha.output_dense.name == "attention_output"
    assert mha.query_dense.equation == "abc,cde->abde" and mha.output_dense.equation == "abcd,cde->abe"
    assert mha.get_build_config() == {"query_shape": [2, 4, 6], "value_shape": [2, 5, 7]}
    clone = layers.MultiHeadAttention.from_config(mha.get_config())
    clone.build_from_config(mha.get_build_config())
    assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in mha.weights]


def test_multi_head_attention_matches_numpy():
    """The formula itself, written out in NumPy, for one head layout."""
    q, v = _rand(2, 4, 6), _rand(2, 5, 7)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    out, scores = mha(q, v, return_attention_scores=True)
    wq, bq, wk, bk, wv, bv, wo, bo = mha.get_weights()
    qp = np.einsum("btd,dnh->btnh", q, wq) + bq
    kp = np.einsum("bsd,dnh->bsnh", v, wk) + bk
    vp = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    logits = np.einsum("btnh,bsnh->bnts", qp, kp) / np.sqrt(3.0)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    expected = np.einsum("bnts,bsnh->btnh", p, vp)
    expected = np.einsum("btnh,nhd->btd", expected, wo) + bo
    np.testing.assert_allclose(to_np(scores), p, atol=1e-5)
    np.testing.assert_allclose(to_np(out), expected, atol=1e-5)
    # The fused path (no scores asked) gives the same output.
    np.testing.assert_allclose(to_np(mha(q, v)), expected, atol=1e-5)


def _padding_masks():
    qm = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    vm = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], bool)
    return qm, vm


@pytest.mark.parametrize("call", list(MHA_CALLS))
def test_multi_head_attention_attention_mask_matches_keras(keras, call):
    q, v = _rand(2, 4, 6), _rand(2, 5, 6)
    mask = RNG.random((2, 4, 5)) > 0.4
    mask[:, :, 0] = True  # every query sees at least one key
    _check_against_keras(keras, "MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [q, v],
                         dict(MHA_CALLS[call], attention_mask=mask))


@pytest.mark.parametrize("scores", [False, True])
def test_multi_head_attention_query_value_masks(keras, scores):
    """Explicit query_mask/value_mask/key_mask equal Keras's attention_mask built from them."""
    q, v, k = _rand(2, 4, 6), _rand(2, 5, 6), _rand(2, 5, 3)
    qm, vm = _padding_masks()
    km = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
    combined = qm[:, :, None] & vm[:, None, :] & km[:, None, :]
    _check_against_keras(
        keras, "MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [q, v, k],
        {"query_mask": qm, "value_mask": vm, "key_mask": km, "return_attention_scores": scores},
        keras_call_kwargs={"attention_mask": combined, "return_attention_scores": scores})


def _masked_models(lib, cls_name, init_kwargs, causal):
    a = lib.Input((4,), dtype="int32")
    b = lib.Input((5,), dtype="int32")
    ea = lib.layers.Embedding(10, 6, mask_zero=True, name="emb_q")(a)
    eb = lib.layers.Embedding(10, 6, mask_zero=True, name="emb_v")(b)
    name = "GroupQueryAttention" if cls_name == "GroupedQueryAttention" and lib is not lamina else cls_name
    att = getattr(lib.layers, name)(**init_kwargs, name="att")
    out, scores = att(ea, eb, return_attention_scores=True, use_causal_mask=causal)
    # A masked mean over the query steps consumes the mask the attention layer passes on.
    pooled = lib.layers.GlobalAveragePooling1D()(out)
    return lib.Model([a, b], [out, scores, pooled])


@pytest.mark.parametrize("cls_name,init_kwargs", [
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}),
    ("GroupedQueryAttention", {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}),
])
@pytest.mark.parametrize("causal", [False, True])
def test_keras_masks_of_inputs_match_keras(keras, cls_name, init_kwargs, causal):
    """Query and value masks from Embedding(mask_zero=True) in a Functional model, as in Keras."""
    tq = np.array([[1, 2, 3, 0], [4, 5, 0, 0]], "int32")
    tv = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]], "int32")
    ours = _masked_models(lamina, cls_name, init_kwargs, causal)
    theirs = _masked_models(keras, cls_name, init_kwargs, causal)
    theirs.set_weights(ours.get_weights())
    got = _np_out(ours([tq, tv]))
    expected = _keras_np(keras, theirs([tq, tv]))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=2e-5, rtol=1e-4)
    scores = got[1]
    assert np.all(scores[0, :, :, 2:] == 0) and np.all(scores[1, :, :, 4:] == 0)  # padded keys get no weight


@pytest.mark.parametrize("cross", [
    False,
    True,
])
def test_masked_attention_predict_matches_eager(keras, cross):
    """Masks survive model.predict (compiled on jax): padded keys get no attention weight."""
    a, b = lamina.Input((4,), dtype="int32"), lamina.Input((5,), dtype="int32")
    ea = layers.Embedding(10, 6, mask_zero=True)(a)
    eb = layers.Embedding(10, 6, mask_zero=True)(b) if cross else ea
    _, scores = layers.MultiHeadAttention(2, 3)(ea, eb, return_attention_scores=True)
    model = lamina.Model([a, b], scores)
    tq = np.array([[1, 2, 0, 0], [3, 4, 5, 0]], "int32")
    tv = np.array([[1, 2, 3, 0, 0], [1, 0, 0, 0, 0]], "int32")
    eager = to_np(model([tq, tv]))
    predicted = model.predict([tq, tv], verbose=0)
    np.testing.assert_allclose(predicted, eager, atol=1e-5)
    valid = (tv if cross else tq) != 0
    assert np.all(predicted * ~valid[:, None, None, :] == 0)


def test_query_mask_becomes_output_mask():
    x = lamina.Input((4,), dtype="int32")
    e = layers.Embedding(10, 6, mask_zero=True)(x)
    out = layers.MultiHeadAttention(2, 3)(e, e)
    assert out._keras_mask is not None and out._keras_mask.shape == (None, 4)
    tokens = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "int32")
    model = lamina.Model(x, layers.GlobalAveragePooling1D()(out))
    full = lamina.Model(x, out)
    per_step = to_np(full(tokens))
    expected = np.stack([per_step[0, :2].mean(0), per_step[1, :1].mean(0)])
    np.testing.assert_allclose(to_np(model(tokens)), expected, atol=1e-5)


def test_self_attention_query_mask_self_consistent():
    """A masked query (Keras mask on the tensor, or query_mask=) gives the same result both ways."""
    x = _rand(2, 4, 6)
    qm, _ = _padding_masks()
    mha = layers.MultiHeadAttention(2, 3)
    explicit = to_np(mha(x, x, query_mask=qm, value_mask=qm))
    with_attention_mask = to_np(mha(x, x, attention_mask=qm[:, :, None] & qm[:, None, :]))
    np.testing.assert_allclose(explicit, with_attention_mask, atol=1e-6)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_dropout_training(causal):
    q = _rand(2, 4, 6)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=3)
    infer, scores = mha(q, q, return_attention_scores=True, use_causal_mask=causal)
    again = mha(q, q, use_causal_mask=causal, training=False)
    np.testing.assert_allclose(to_np(again), to_np(infer), atol=1e-6)
    train, train_scores = mha(q, q, return_attention_scores=True, use_causal_mask=causal, training=True)
    # The returned scores are before dropout; the output uses the dropped-out ones.
    np.testing.assert_allclose(to_np(train_scores), to_np(scores), atol=1e-6)
    assert not np.allclose(to_np(train), to_np(infer))


def test_multi_head_attention_causal_mask_values():
    q = _rand(1, 5, 6)
    _, scores = layers.MultiHeadAttention(2, 3)(q, q, use_causal_mask=True, return_attention_scores=True)
    s = to_np(scores)
    assert np.all(s[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0)
    np.testing.assert_allclose(s.sum(-1), 1.0, atol=1e-5)


def test_multi_head_attention_symbolic_scores_shape():
    q, v = lamina.KerasTensor((None, 4, 6)), lamina.KerasTensor((None, 7, 5))
    out, scores = layers.MultiHeadAttention(3, 2, output_shape=(2, 3))(q, v, return_attention_scores=True)
    assert out.shape == (None, 4, 2, 3) and scores.shape == (None, 3, 4, 7)
    q = lamina.KerasTensor((None, 3, 4, 6))
    out, scores = layers.MultiHeadAttention(2, 2, attention_axes=2)(q, q, return_attention_scores=True)
    assert scores.shape == (None, 3, 2, 4, 4)


# ---------------------------------------------------------------------- GroupedQueryAttention
GQA_CASES = {
    "gqa": ({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}, [(2, 4, 6), (2, 5, 6)]),
    "mqa": ({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 1}, [(2, 4, 6), (2, 4, 6)]),
    "mha": ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 2, "use_bias": False},
            [(2, 4, 6), (2, 5, 6)]),
    "key_given": ({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}, [(2, 4, 6), (2, 5, 6), (2, 5, 3)]),
    "gate_window": ({"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 1, "use_gate": True,
                     "sliding_window": 2}, [(2, 5, 6), (2, 5, 6)]),
    "dropout_inference": ({"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 1, "dropout": 0.3,
                           "seed": 2}, [(2, 4, 6), (2, 5, 6)]),
}


GQA_COMBOS = ([(case, "scores") for case in GQA_CASES] + [(case, "plain") for case in ("gqa", "mqa", "key_given")]
              + [("gqa", "causal"), ("gate_window", "causal"), ("mqa", "causal_scores")])


@pytest.mark.parametrize("case,call", GQA_COMBOS)
def test_grouped_query_attention_matches_keras(keras, case, call):
    init_kwargs, shapes = GQA_CASES[case]
    args = [_rand(*s) for s in shapes]
    _, out = _check_against_keras(keras, "GroupedQueryAttention", init_kwargs, args, MHA_CALLS[call],
                                  keras_name="GroupQueryAttention")
    _check_symbolic(layers.GroupedQueryAttention, init_kwargs, args, MHA_CALLS[call], out)


def test_grouped_query_attention_masks_match_keras(keras):
    q, v = _rand(2, 4, 6), _rand(2, 5, 6)
    qm, vm = _padding_masks()
    mask = RNG.random((2, 4, 5)) > 0.3
    mask[:, :, 0] = True
    for scores in (False, True):
        _check_against_keras(
            keras, "GroupedQueryAttention", {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2},
            [q, v], {"query_mask": qm, "value_mask": vm, "attention_mask": mask, "use_causal_mask": True,
                     "return_attention_scores": scores},
            keras_name="GroupQueryAttention")


def test_grouped_query_attention_names_and_serialization(keras):
    assert layers.GroupQueryAttention is layers.GroupedQueryAttention
    gqa = layers.GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    gqa(_rand(2, 4, 6), _rand(2, 5, 6))
    assert _weight_names(gqa) == [("query", "kernel"), ("query", "bias"), ("key", "kernel"), ("key", "bias"),
                                  ("value", "kernel"), ("value", "bias"), ("attention_output", "kernel"),
                                  ("attention_output", "bias")]
    assert [tuple(w.shape) for w in gqa.weights] == [(6, 4, 3), (4, 3), (6, 2, 3), (2, 3), (6, 2, 3), (2, 3),
                                                     (4, 3, 6), (6,)]
    # A config written by Keras (class_name "GroupQueryAttention") loads into ours.
    theirs = keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    restored = layers.deserialize(keras.saving.serialize_keras_object(theirs))
    assert type(restored) is layers.GroupedQueryAttention and restored.num_key_value_heads == 2


def test_grouped_query_attention_serializes_under_keras_name():
    from lamina.saving.serialization import serialize_keras_object

    config = serialize_keras_object(layers.GroupedQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1))
    assert config["class_name"] == "GroupQueryAttention"


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_matches_keras(keras, policy):
    q, v = _rand(2, 4, 6), _rand(2, 5, 6)
    ours, out = _check_against_keras(keras, "MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "dtype": policy},
                                     [q, v], {"return_attention_scores": True}, atol=2e-2)
    compute = policy.split("_")[1]
    assert all(str(w.dtype) == "float32" for w in ours.weights)
    assert [ops.dtype(t) for t in ours(q, v, return_attention_scores=True)] == [compute, compute]
    _check_against_keras(keras, "Attention", {"dtype": policy}, [[q, v]], atol=2e-2)
    assert ops.dtype(layers.Attention(dtype=policy)([q, v])) == compute


# ---------------------------------------------------------------------- Attention / AdditiveAttention
def _lists(q=(2, 3, 4), v=(2, 5, 4), k=None):
    return [q, v] if k is None else [q, v, k]


ATT_CASES = [
    ("Attention", {}, _lists(), {}),
    ("Attention", {"use_scale": True}, _lists(k=(2, 5, 4)), {}),
    ("Attention", {"score_mode": "concat"}, _lists(), {"return_attention_scores": True}),
    ("Attention", {"score_mode": "concat", "use_scale": True}, _lists(v=(2, 5, 4)), {"use_causal_mask": True}),
    ("Attention", {"use_scale": True}, _lists(q=(2, 5, 4)), {"use_causal_mask": True, "return_attention_scores": True}),
    ("Attention", {"dropout": 0.4, "seed": 1}, _lists(), {}),
    ("AdditiveAttention", {}, _lists(), {}),
    ("AdditiveAttention", {"use_scale": False}, _lists(k=(2, 5, 4)), {"return_attention_scores": True}),
    ("AdditiveAttention", {}, _lists(q=(2, 5, 4)), {"use_causal_mask": True}),
]


def _attention_scores_vs_keras(keras, name, init_kwargs, inputs, call_kwargs):
    """Outputs and scores of ours and Keras's with the same weights (run_layer_test covers one output only)."""
    ours = getattr(layers, name)(**init_kwargs)
    theirs = getattr(keras.layers, name)(**init_kwargs)
    kw = dict(call_kwargs, return_attention_scores=True)
    ours(inputs, **kw)
    theirs(inputs, **kw)
    theirs.set_weights(ours.get_weights())
    got, expected = _np_out(ours(inputs, **kw)), _keras_np(keras, theirs(inputs, **kw))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)
    sym = ours([lamina.KerasTensor((None,) + x.shape[1:]) for x in inputs],
               **{k: v for k, v in kw.items() if k != "mask"})
    assert [t.shape[1:] for t in sym] == [g.shape[1:] for g in got]
    return got


@pytest.mark.parametrize("name,init_kwargs,shapes,call_kwargs", ATT_CASES)
def test_attention_layers_match_keras(keras, name, init_kwargs, shapes, call_kwargs):
    n_weights = int(init_kwargs.get("use_scale", name == "AdditiveAttention")) + \
        int(init_kwargs.get("score_mode") == "concat")
    plain = {k: v for k, v in call_kwargs.items() if k != "return_attention_scores"}
    run_layer_test(getattr(layers, name), init_kwargs, input_shape=shapes, keras=keras, call_kwargs=plain,
                   expected_num_trainable_weights=n_weights)
    if call_kwargs.get("return_attention_scores"):
        _attention_scores_vs_keras(keras, name, init_kwargs, [_rand(*s) for s in shapes], plain)


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_layers_masks_match_keras(keras, name, causal):
    qm = np.array([[1, 1, 0], [1, 0, 0]], bool)
    vm = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 0]], bool)
    shapes = _lists()
    call_kwargs = {"mask": [qm, vm], "use_causal_mask": causal}
    run_layer_test(getattr(layers, name), {}, input_shape=shapes, keras=keras, call_kwargs=call_kwargs)
    output, scores = _attention_scores_vs_keras(keras, name, {}, [_rand(*s) for s in shapes], call_kwargs)
    assert np.all(output[~qm] == 0)                         # masked query steps give zeros
    assert np.all(scores[0, :, 3:] < 1e-6) and np.all(scores[1, :, 1] < 1e-6)


def test_attention_layers_output_mask_in_functional():
    q, v = lamina.Input((3,), dtype="int32"), lamina.Input((5,), dtype="int32")
    eq = layers.Embedding(10, 4, mask_zero=True)(q)
    ev = layers.Embedding(10, 4, mask_zero=True)(v)
    out = layers.Attention()([eq, ev])
    assert out._keras_mask is not None and out._keras_mask.shape == (None, 3)
    model = lamina.Model([q, v], out)
    tq = np.array([[1, 2, 0], [3, 0, 0]], "int32")
    tv = np.array([[1, 2, 3, 0, 0], [1, 0, 0, 0, 0]], "int32")
    res = to_np(model([tq, tv]))
    assert np.all(res[0, 2] == 0) and np.all(res[1, 1:] == 0)


def test_attention_matches_numpy():
    q, v, k = _rand(2, 3, 4), _rand(2, 5, 4), _rand(2, 5, 4)
    layer = layers.Attention(use_scale=True)
    layer([q, v, k])
    layer.scale.assign(np.float32(0.7))
    logits = 0.7 * q @ k.transpose(0, 2, 1)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(to_np(layer([q, v, k])), p @ v, atol=1e-5)


def test_attention_dropout_in_training():
    q, v = _rand(2, 3, 4), _rand(2, 5, 4)
    layer = layers.Attention(dropout=0.5, seed=1)
    infer = to_np(layer([q, v]))
    train, weights = layer([q, v], training=True, return_attention_scores=True)
    assert not np.allclose(to_np(train), infer)
    w = to_np(weights)  # returned after dropout: some zeroed, the rest scaled by 1 / (1 - rate)
    assert np.any(w == 0) and not np.allclose(w.sum(-1), 1.0)


# ---------------------------------------------------------------------- errors
def test_errors():
    with pytest.raises(TypeError, match="key_dim"):
        layers.MultiHeadAttention(num_heads=2)
    with pytest.raises(ValueError, match="MultiHeadAttention.*key_dim.*positive"):
        layers.MultiHeadAttention(num_heads=2, key_dim=None)
    with pytest.raises(ValueError, match="MultiHeadAttention.*num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="MultiHeadAttention.*output_shape"):
        layers.MultiHeadAttention(2, 2, output_shape="big")
    with pytest.raises(ValueError, match="MultiHeadAttention.*sliding_window"):
        layers.MultiHeadAttention(2, 2, sliding_window=0)
    with pytest.raises(ValueError, match="MultiHeadAttention.*flash"):
        layers.MultiHeadAttention(2, 2, dropout=0.1, flash_attention=True)
    mha = layers.MultiHeadAttention(2, 3)
    with pytest.raises(ValueError, match=r"MultiHeadAttention.*`value` and `key`.*\(2, 5, 6\).*\(2, 4, 6\)"):
        mha(_rand(2, 3, 6), _rand(2, 5, 6), _rand(2, 4, 6))
    with pytest.raises(ValueError, match=r"MultiHeadAttention.*`query` must have rank >= 3"):
        layers.MultiHeadAttention(2, 3)(_rand(2, 6), _rand(2, 6))
    with pytest.raises(ValueError, match="MultiHeadAttention.*attention_axes"):
        layers.MultiHeadAttention(2, 3, attention_axes=(3,))(_rand(2, 3, 6), _rand(2, 3, 6))
    with pytest.raises(ValueError, match="MultiHeadAttention.*attention scores.*flash"):
        layers.MultiHeadAttention(2, 3, flash_attention=True)(_rand(2, 3, 6), _rand(2, 3, 6),
                                                              return_attention_scores=True)
    with pytest.raises(ValueError, match="GroupedQueryAttention.*divisible.*num_query_heads=6.*num_key_value_heads=4"):
        layers.GroupedQueryAttention(head_dim=2, num_query_heads=6, num_key_value_heads=4)
    gqa = layers.GroupedQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    with pytest.raises(ValueError, match=r"GroupedQueryAttention.*last dimensions of `query` and `value`.*6.*5"):
        gqa(lamina.KerasTensor((None, 3, 6)), lamina.KerasTensor((None, 4, 5)))
    with pytest.raises(ValueError, match="GroupedQueryAttention.*rank 3"):
        layers.GroupedQueryAttention(2, 4, 2)(_rand(2, 3, 4, 6), _rand(2, 3, 4, 6))
    with pytest.raises(ValueError, match="Attention.*score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ValueError, match="Attention layer must be called on a list"):
        layers.Attention()(_rand(2, 3, 4))
    with pytest.raises(ValueError, match="AdditiveAttention layer accepts an inputs list of length 2 or 3"):
        layers.AdditiveAttention()([_rand(2, 3, 4)])
    with pytest.raises(ValueError, match="Attention layer mask must be a list"):
        layers.Attention()([_rand(2, 3, 4), _rand(2, 5, 4)], mask=np.ones((2, 3), bool))


# ---------------------------------------------------------------------- training
@requires_training
@pytest.mark.parametrize("cls_name,init_kwargs", [
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "use_gate": True, "dropout": 0.1}),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)}),
    ("GroupedQueryAttention", {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "use_gate": True}),
])
def test_gradients_reach_every_weight(cls_name, init_kwargs):
    rank4 = "attention_axes" in init_kwargs
    shape_q, shape_v = ((3, 4, 6), (3, 4, 5)) if rank4 else ((4, 6), (5, 6))
    q, v = lamina.Input(shape_q), lamina.Input(shape_v)
    layer = getattr(layers, cls_name)(**init_kwargs)
    out = layer(q, v, use_causal_mask=not rank4)
    model = lamina.Model([q, v], ops.mean(ops.square(out), axis=tuple(range(1, len(out.shape)))))
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.5), loss=lambda y_true, y_pred: y_pred)
    data = [_rand(4, *shape_q), _rand(4, *shape_v)]
    before = [w.numpy().copy() for w in layer.trainable_weights]
    model.train_on_batch(data, np.zeros((4,), "float32"))
    unchanged = [w.path for w, b in zip(layer.trainable_weights, before) if np.array_equal(b, w.numpy())]
    assert not unchanged, f"no gradient reached {unchanged}"
    assert len(layer.trainable_weights) == len(layer.weights) == (10 if init_kwargs.get("use_gate") else 8)


@requires_training
def test_transformer_encoder_block_trains_with_fit():
    """Embedding -> self-attention + residual (+ LayerNormalization) -> feed-forward + residual -> classifier."""
    rng = np.random.default_rng(1)
    n, steps, vocab, dim = 96, 8, 12, 16
    tokens = rng.integers(1, vocab, size=(n, steps)).astype("int32")
    labels = (tokens == 3).any(axis=1).astype("float32")  # does token 3 occur anywhere?
    inputs = lamina.Input((steps,), dtype="int32")
    x = layers.Embedding(vocab, dim)(inputs)
    attn = layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    x = layers.Add()([x, attn])
    norm = getattr(layers, "LayerNormalization", None)
    if norm is not None:
        x = norm()(x)
    ff = layers.Dense(dim)(layers.Dense(32, activation="relu")(x))
    x = layers.Add()([x, ff])
    if norm is not None:
        x = norm()(x)
    outputs = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(x))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=3e-3), loss="binary_crossentropy")
    history = model.fit(tokens, labels, epochs=6, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0], losses
