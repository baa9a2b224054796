"""Batch-mixing augmentation: MixUp and CutMix (training only; labels are mixed when given in a dict)."""

from __future__ import annotations

from lamina import ops, random
from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer
from lamina.saving.serialization import builtin


def _mix_labels(labels, transformation):
    weight = ops.reshape(ops.cast(transformation["mix_weight"], "float32"), (-1, 1))
    labels = ops.cast(labels, "float32")
    other = ops.take(labels, transformation["permutation_order"], axis=0)
    return ops.add(ops.multiply(weight, labels), ops.multiply(ops.subtract(1.0, weight), other))


@builtin("keras.layers")
class MixUp(BaseImagePreprocessingLayer):
    """Blend each image (and its label) with another image of the batch: ``w * x + (1 - w) * x[perm]``
    with ``w ~ Beta(alpha, alpha)`` per image (training only).

    Example:
        >>> out = lamina.layers.MixUp(0.2, seed=1)({"images": images, "labels": one_hot_labels}, training=True)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha: float = 0.2, data_format=None, seed: int | None = None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"MixUp: `alpha` must be a positive number. Received: alpha={alpha!r}")
        self.alpha = alpha
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = ops.shape(images)[0]
        seed = self._seed(seed)
        order = random.shuffle(ops.arange(n, dtype="int32"), seed=seed)
        weight = random.beta((n,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        weight = ops.reshape(ops.cast(transformation["mix_weight"], self.compute_dtype), (-1, 1, 1, 1))
        other = ops.take(images, transformation["permutation_order"], axis=0)
        return ops.add(ops.multiply(weight, images), ops.multiply(ops.subtract(1.0, weight), other))

    def transform_labels(self, labels, transformation=None, training=True):
        if not training or transformation is None:
            return labels
        return _mix_labels(labels, transformation)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"alpha": self.alpha, "seed": self.seed})
        return config_


@builtin("keras.layers")
class CutMix(BaseImagePreprocessingLayer):
    """Paste a random box from another image of the batch into each image; labels are mixed by the
    kept area (training only). The box side ratio is ``sqrt(1 - w)`` with ``w ~ Beta(a, a)`` and
    ``a`` drawn uniformly from ``factor``.

    Example:
        >>> out = lamina.layers.CutMix(seed=1)({"images": images, "labels": one_hot_labels}, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed: int | None = None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = ops.shape(images)
        n = shape[0]
        h, w = self._hw(images)
        seed = self._seed(seed)
        dtype = self.compute_dtype
        alpha = ops.add(random.uniform((), minval=self.factor[0], maxval=self.factor[1], dtype=dtype, seed=seed), 1e-6)
        weight = random.beta((n,), alpha, alpha, dtype=dtype, seed=seed)
        ratio = ops.sqrt(ops.subtract(1.0, weight))

        def bounds(length):
            crop = ops.multiply(ratio, float(length))
            start = ops.multiply(random.uniform((n,), dtype=dtype, seed=seed), ops.subtract(float(length), crop))
            return start, ops.add(start, crop)

        x0, x1 = bounds(w)
        y0, y1 = bounds(h)
        gy = ops.reshape(ops.arange(h, dtype=dtype), (1, h, 1))
        gx = ops.reshape(ops.arange(w, dtype=dtype), (1, 1, w))

        def col(v):
            return ops.reshape(v, (-1, 1, 1))

        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(gx, col(x0)), ops.less(gx, col(x1))),
            ops.logical_and(ops.greater_equal(gy, col(y0)), ops.less(gy, col(y1))))
        mask = ops.expand_dims(inside, self._c_axis)
        mix_weight = ops.subtract(1.0, ops.divide(ops.multiply(ops.subtract(x1, x0), ops.subtract(y1, y0)),
                                                  float(h * w)))
        order = random.shuffle(ops.arange(n, dtype="int32"), seed=seed)
        return {"permutation_order": order, "batch_masks": mask, "mix_weight": mix_weight}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        other = ops.take(images, transformation["permutation_order"], axis=0)
        return ops.where(transformation["batch_masks"], other, images)

    def transform_labels(self, labels, transformation=None, training=True):
        if not training or transformation is None:
            return labels
        return _mix_labels(labels, transformation)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"factor": self.factor, "seed": self.seed})
        return config_


__all__ = ["MixUp", "CutMix"]
