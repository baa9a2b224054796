"""lamina.datasets: Keras's small datasets (``keras.datasets``) read from the files Keras downloads.

Each submodule has ``load_data()`` with Keras's arguments and return values:
mnist, fashion_mnist, cifar10, cifar100, imdb, reuters, boston_housing,
california_housing, plus ``digits`` (scikit-learn's bundled 8x8 digits, offline).
Files are looked up at the given ``path``, then in ``$KERAS_HOME/datasets``
(``~/.keras/datasets``); a missing file is downloaded from Keras's origin
(hash-checked) unless ``LAMINA_OFFLINE=1``, else a clear error names it.
Pickled files are read with a restricted unpickler: no code ever runs.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.mnist.load_data()
"""

import importlib

__all__ = ["mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing",
           "california_housing", "digits"]


def __getattr__(name):
    if name in __all__:
        module = importlib.import_module(f"lamina.datasets.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lamina.datasets' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
