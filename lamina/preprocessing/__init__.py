"""lamina.preprocessing: Keras 2's legacy preprocessing helpers (``image``, ``text``, ``sequence``).

Still found in countless tutorials: ``ImageDataGenerator``, ``Tokenizer``,
``pad_sequences``, ``TimeseriesGenerator``. Submodules load on first use. As in
``keras.preprocessing``, the dataset readers of ``lamina.utils``
(``image_dataset_from_directory`` ...) are also reachable here.

Example:
    >>> from lamina.preprocessing.text import Tokenizer
    >>> from lamina.preprocessing.image import ImageDataGenerator
"""

import importlib

__all__ = ["image", "text", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]

_SUBMODULES = ("image", "text", "sequence")


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"lamina.preprocessing.{name}")
        globals()[name] = module
        return module
    if name in __all__:  # keras.preprocessing.* aliases of the lamina.utils dataset readers
        import lamina.utils

        value = getattr(lamina.utils, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.preprocessing' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
