"""Shared input tables for the loss tests: each loss with the arguments and inputs it is tested on."""

import numpy as np

B = 5  # batch size of every generated input


def _rng(seed):
    return np.random.default_rng(seed)


def _f32(x):
    return np.asarray(x, dtype="float32")


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def regression(seed):
    r = _rng(seed)
    return _f32(r.normal(size=(B, 4))), _f32(r.normal(size=(B, 4)))


def positive(seed):
    r = _rng(seed)
    return _f32(r.uniform(0.1, 3.0, size=(B, 4))), _f32(r.uniform(0.1, 3.0, size=(B, 4)))


def binary_probs(seed):
    r = _rng(seed)
    return _f32(r.integers(0, 2, size=(B, 3))), _f32(r.uniform(0.02, 0.98, size=(B, 3)))


def binary_logits(seed):
    r = _rng(seed)
    return _f32(r.integers(0, 2, size=(B, 3))), _f32(r.normal(scale=2.0, size=(B, 3)))


def binary_column(seed):
    """(batch,) labels against (batch, 1) predictions: ranks aligned by the wrapper."""
    r = _rng(seed)
    return _f32(r.integers(0, 2, size=(B,))), _f32(r.uniform(0.02, 0.98, size=(B, 1)))


binary_column.class_only = True  # the bare function requires equal shapes, as in Keras


def onehot_probs(seed):
    r = _rng(seed)
    labels = r.integers(0, 4, size=(B,))
    return _f32(np.eye(4)[labels]), _f32(_softmax(r.normal(size=(B, 4))))


def onehot_logits(seed):
    r = _rng(seed)
    labels = r.integers(0, 4, size=(B,))
    return _f32(np.eye(4)[labels]), _f32(r.normal(scale=2.0, size=(B, 4)))


def onehot_logits_axis1(seed):
    r = _rng(seed)
    labels = r.integers(0, 4, size=(B, 3))
    return _f32(np.moveaxis(np.eye(4)[labels], -1, 1)), _f32(r.normal(size=(B, 4, 3)))


def sparse_probs(seed):
    r = _rng(seed)
    return r.integers(0, 4, size=(B,)).astype("int32"), _f32(_softmax(r.normal(size=(B, 4))))


def sparse_logits(seed):
    r = _rng(seed)
    return r.integers(0, 4, size=(B, 1)).astype("int32"), _f32(r.normal(scale=2.0, size=(B, 4)))


def sparse_sequence_logits(seed):
    r = _rng(seed)
    return r.integers(0, 4, size=(B, 3)).astype("int32"), _f32(r.normal(size=(B, 3, 4)))


def sparse_class_axis1(seed):
    r = _rng(seed)
    return r.integers(0, 4, size=(B, 3)).astype("int32"), _f32(r.normal(size=(B, 4, 3)))


def hinge_binary(seed):
    r = _rng(seed)
    return _f32(r.integers(0, 2, size=(B, 3))), _f32(r.normal(size=(B, 3)))


def hinge_signed(seed):
    r = _rng(seed)
    return _f32(2 * r.integers(0, 2, size=(B, 3)) - 1), _f32(r.normal(size=(B, 3)))


def distributions(seed):
    r = _rng(seed)
    return _f32(_softmax(r.normal(size=(B, 4)))), _f32(_softmax(r.normal(size=(B, 4))))


def masks(seed):
    r = _rng(seed)
    return _f32(r.integers(0, 2, size=(B, 4, 4, 1))), _f32(r.uniform(size=(B, 4, 4, 1)))


def embeddings(seed):
    r = _rng(seed)
    x = r.normal(size=(B, 6))
    return r.integers(0, 2, size=(B,)).astype("int32"), _f32(x / np.linalg.norm(x, axis=-1, keepdims=True))


def ctc_inputs(seed):
    r = _rng(seed)
    labels = r.integers(1, 5, size=(B, 3))
    labels[0, 2] = 0  # padding: shorter label sequences
    labels[1, 1:] = 0
    return labels.astype("int32"), _f32(r.normal(size=(B, 8, 5)))


# (class name, function name, constructor/function kwargs, input generator)
CASES = [
    ("MeanSquaredError", "mean_squared_error", {}, regression),
    ("MeanAbsoluteError", "mean_absolute_error", {}, regression),
    ("MeanAbsolutePercentageError", "mean_absolute_percentage_error", {}, regression),
    ("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", {}, positive),
    ("CosineSimilarity", "cosine_similarity", {}, regression),
    ("CosineSimilarity", "cosine_similarity", {"axis": 0}, regression),
    ("Huber", "huber", {}, regression),
    ("Huber", "huber", {"delta": 0.4}, regression),
    ("LogCosh", "log_cosh", {}, regression),
    ("Hinge", "hinge", {}, hinge_binary),
    ("Hinge", "hinge", {}, hinge_signed),
    ("SquaredHinge", "squared_hinge", {}, hinge_binary),
    ("SquaredHinge", "squared_hinge", {}, hinge_signed),
    ("CategoricalHinge", "categorical_hinge", {}, onehot_logits),
    ("KLDivergence", "kl_divergence", {}, distributions),
    ("Poisson", "poisson", {}, positive),
    ("BinaryCrossentropy", "binary_crossentropy", {}, binary_probs),
    ("BinaryCrossentropy", "binary_crossentropy", {"from_logits": True}, binary_logits),
    ("BinaryCrossentropy", "binary_crossentropy", {"label_smoothing": 0.2}, binary_probs),
    ("BinaryCrossentropy", "binary_crossentropy", {"from_logits": True, "label_smoothing": 0.1, "axis": 0},
     binary_logits),
    ("BinaryCrossentropy", "binary_crossentropy", {}, binary_column),
    ("BinaryFocalCrossentropy", "binary_focal_crossentropy", {}, binary_probs),
    ("BinaryFocalCrossentropy", "binary_focal_crossentropy",
     {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0, "from_logits": True}, binary_logits),
    ("BinaryFocalCrossentropy", "binary_focal_crossentropy", {"label_smoothing": 0.3, "gamma": 0.0},
     binary_probs),
    ("CategoricalCrossentropy", "categorical_crossentropy", {}, onehot_probs),
    ("CategoricalCrossentropy", "categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1},
     onehot_logits),
    ("CategoricalCrossentropy", "categorical_crossentropy", {"from_logits": True, "axis": 1},
     onehot_logits_axis1),
    ("CategoricalFocalCrossentropy", "categorical_focal_crossentropy", {}, onehot_probs),
    ("CategoricalFocalCrossentropy", "categorical_focal_crossentropy",
     {"alpha": 0.5, "gamma": 1.5, "from_logits": True, "label_smoothing": 0.2}, onehot_logits),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", {}, sparse_probs),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", {"from_logits": True}, sparse_logits),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", {"from_logits": True, "ignore_class": 2},
     sparse_sequence_logits),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", {"ignore_class": 1}, sparse_probs),
    ("CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy", {"q": 0.5}, sparse_probs),
    ("CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy", {"q": 0.8}, sparse_probs),
    ("Dice", "dice", {}, masks),
    ("Dice", "dice", {"axis": (1, 2, 3)}, masks),
    ("Tversky", "tversky", {}, masks),
    ("Tversky", "tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)}, masks),
    ("Circle", "circle", {}, embeddings),
    ("Circle", "circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, embeddings),
    ("CTC", "ctc", {}, ctc_inputs),
]



def keras_is_broken(case, backend):
    """Cases where the oracle itself is wrong: Keras's normalize on NumPy arrays mishandles axis=0."""
    return backend == "numpy" and case[1] == "cosine_similarity" and case[2].get("axis", -1) != -1


def case_id(case):
    cls, _, kwargs, gen = case
    args = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{cls}[{args}]-{gen.__name__}"


def sample_weights(kind, y_pred, seed=7):
    r = _rng(seed)
    if kind is None:
        return None
    if kind == "per_sample":
        return _f32(r.uniform(0.0, 2.0, size=(B,)))
    if kind == "column":
        return _f32(r.uniform(0.0, 2.0, size=(B, 1)))
    if kind == "scalar":
        return 0.7
    raise ValueError(kind)
