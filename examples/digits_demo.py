"""lamina's main demo: train a small network on scikit-learn's digits and print its test accuracy.

Runs offline on any installed backend (LAMINA_BACKEND=torch|jax to choose).

    ./dev demo
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import lamina as keras
from lamina import layers


def build_model():
    if hasattr(layers, "Conv2D") and hasattr(layers, "MaxPooling2D"):
        return keras.Sequential([
            keras.Input((8, 8, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dropout(0.25, seed=1),
            layers.Dense(10, activation="softmax"),
        ], name="digits_convnet")
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2, seed=1),
        layers.Dense(10, activation="softmax"),
    ], name="digits_mlp")


def main():
    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int32")
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)

    print(f"lamina {keras.version()} on the {keras.config.backend()} backend")
    model = build_model()
    model.summary()
    if not keras.backend.impl.CAN_TRAIN:
        print("The numpy backend cannot train; run with LAMINA_BACKEND=torch or jax.")
        return
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f} (loss {loss:.4f}) on {len(x_test)} held-out digits")


if __name__ == "__main__":
    main()
