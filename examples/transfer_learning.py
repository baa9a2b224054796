"""Transfer learning with lamina.applications, offline: feature extraction, then fine-tuning.

1. Writes a small image folder (scikit-learn's 8x8 digits, enlarged to 32x32 and tinted as RGB
   PNG files, one sub-folder per class) and reads it back with
   ``lamina.utils.image_dataset_from_directory``.
2. Gets a pretrained MobileNet base (``include_top=False``, alpha 0.25). With Keras's ImageNet
   file for it in ``~/.keras/models/`` or ``~/.lamina/models/`` (``--weights imagenet``) that file
   is used. Otherwise (the default, no network needed) the base is first pretrained here on a
   *source* task (the other digits, 5-9), its weights saved to a file and loaded back with
   ``MobileNet(weights=<path>)``: the same steps as with downloaded weights, in seconds.
3. Freezes the base (``base.trainable = False``) and trains a new classification head. The base
   is called with ``training=False`` so its BatchNormalization layers stay in inference mode,
   also later when it is unfrozen: their statistics are never re-estimated on the small dataset.
4. Unfreezes the top of the base and fine-tunes everything with a low learning rate.

Run:  LAMINA_BACKEND=torch python examples/transfer_learning.py [--images-per-class 40] [--epochs 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

import lamina as keras
from lamina import layers
from lamina.applications import mobilenet

IMAGE_SIZE = (32, 32)


def make_image_folder(root: str, images_per_class: int = 40, digits_used=(0, 1, 2, 3), seed: int = 0) -> list:
    """Write ``images_per_class`` RGB PNG images of each digit under ``root/digit_<d>/``; returns the class names."""
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(seed)
    digits = load_digits()
    class_names = [f"digit_{d}" for d in digits_used]
    for d, name in zip(digits_used, class_names):
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        images = digits.images[digits.target == d][:images_per_class] / 16.0
        for i, image in enumerate(images):
            big = np.kron(image, np.ones((4, 4)))  # 8x8 -> 32x32
            tint = rng.uniform(0.4, 1.0, size=3)   # a random colour per image
            rgb = big[..., None] * tint[None, None, :] * 255.0
            rgb = np.clip(rgb + rng.normal(0, 8.0, rgb.shape), 0, 255)
            keras.utils.save_img(os.path.join(folder, f"{i:04d}.png"), rgb.astype("uint8"), scale=False)
    return class_names


def load_datasets(root: str, batch_size: int = 16, seed: int = 0):
    """Training and validation datasets of (images in [0, 255], int labels) from the folder."""
    return keras.utils.image_dataset_from_directory(
        root, image_size=IMAGE_SIZE, batch_size=batch_size, validation_split=0.25, subset="both", seed=seed,
        verbose=False,
    )


def make_base(weights=None):
    """The convolutional base: MobileNet (alpha 0.25) without its ImageNet classifier."""
    return mobilenet.MobileNet(alpha=0.25, include_top=False, weights=weights, input_shape=IMAGE_SIZE + (3,))


def pretrain_base(root: str, path: str, epochs: int = 4, seed: int = 0, verbose: bool = True,
                  jit_compile="auto") -> str:
    """Stand-in for ImageNet pretraining: train a base on the source images in ``root``, save its weights."""
    train, _ = load_datasets(root, seed=seed)
    base = make_base()
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            # A short run must still leave usable moving statistics (Keras's default momentum is 0.99).
            layer.momentum = 0.8
    inputs = keras.Input(IMAGE_SIZE + (3,))
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)
    x = layers.GlobalAveragePooling2D()(base(x))
    outputs = layers.Dense(len(train.class_names), activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    model.fit(train, epochs=epochs, verbose=0)
    if verbose:
        accuracy = model.evaluate(train, verbose=0, return_dict=True)["accuracy"]
        print(f"source task (digits 5-9): training accuracy {accuracy:.3f} in inference mode")
    base.save_weights(path)
    return path


def build_model(num_classes: int, weights=None):
    """A pretrained base (frozen) under a new head; returns ``(model, base)``."""
    base = make_base(weights)
    base.trainable = False
    inputs = keras.Input(IMAGE_SIZE + (3,))
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)  # mobilenet.preprocess_input, as a layer
    x = base(x, training=False)  # BatchNormalization in inference mode, even once unfrozen
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2, seed=1)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="new_head")(x)
    return keras.Model(inputs, outputs, name="transfer"), base


def train_head(model, train, val, epochs: int = 5, learning_rate: float = 3e-3, jit_compile="auto"):
    """Stage 1: only the new head learns."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    model.fit(train, epochs=epochs, verbose=0)
    return model.evaluate(val, verbose=0, return_dict=True)["accuracy"]


def fine_tune(model, base, train, val, epochs: int = 3, unfreeze_from: str = "conv_dw_12",
              learning_rate: float = 1e-4, jit_compile="auto"):
    """Stage 2: unfreeze the base from layer ``unfreeze_from`` on and train with a low learning rate."""
    base.trainable = True
    frozen = True
    for layer in base.layers:
        if layer.name == unfreeze_from:
            frozen = False
        layer.trainable = not frozen
    # Recompile so the new trainable set is taken into account.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    model.fit(train, epochs=epochs, verbose=0)
    return model.evaluate(val, verbose=0, return_dict=True)["accuracy"]


def imagenet_weights_available() -> bool:
    """Whether Keras's MobileNet 0.25 no-top ImageNet file is in a local cache folder."""
    from lamina.applications._weights import cache_dirs

    name = "mobilenet_2_5_224_tf_no_top.h5"
    return any(os.path.isfile(os.path.join(d, name)) for d in cache_dirs())


def main(images_per_class: int = 40, epochs: int = 5, fine_tune_epochs: int = 3, weights=None,
         pretrain_epochs: int = 4, seed: int = 0) -> dict:
    """Run the whole recipe and return the validation accuracies."""
    keras.utils.set_random_seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        if weights is None:
            source = os.path.join(tmp, "source")
            make_image_folder(source, images_per_class=images_per_class, digits_used=(5, 6, 7, 8, 9), seed=seed + 1)
            weights = pretrain_base(source, os.path.join(tmp, "base.weights.h5"), epochs=pretrain_epochs, seed=seed)
            print(f"pretrained the base on digits 5-9 and saved it to {os.path.basename(weights)}")
        root = os.path.join(tmp, "target")
        class_names = make_image_folder(root, images_per_class=images_per_class, seed=seed)
        train, val = load_datasets(root, seed=seed)
        model, base = build_model(len(class_names), weights=weights)
        head_acc = train_head(model, train, val, epochs=epochs)
        print(f"feature extraction (frozen base): validation accuracy {head_acc:.3f}")
        tuned_acc = fine_tune(model, base, train, val, epochs=fine_tune_epochs)
        print(f"after fine-tuning the top blocks:  validation accuracy {tuned_acc:.3f}")
    return {"head_accuracy": head_acc, "fine_tuned_accuracy": tuned_acc}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images-per-class", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--fine-tune-epochs", type=int, default=3)
    parser.add_argument("--pretrain-epochs", type=int, default=4)
    parser.add_argument("--weights", choices=["none", "imagenet"], default="none",
                        help="'imagenet' needs Keras's weights file in ~/.keras/models or ~/.lamina/models")
    args = parser.parse_args()
    chosen = None
    if args.weights == "imagenet":
        if not imagenet_weights_available():
            print("ImageNet weights not found in the local cache: starting from random weights.")
        else:
            chosen = "imagenet"
    main(args.images_per_class, args.epochs, args.fine_tune_epochs, weights=chosen, pretrain_epochs=args.pretrain_epochs)
