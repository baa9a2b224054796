"""lamina.utils: helpers users reach for (``set_random_seed``, ``to_categorical``, ``get_file``,
``image_dataset_from_directory`` ...).

Names are resolved lazily so that low-level modules (the backends use
``lamina.utils.tree``) can import this package without importing the backend.
"""

_LAZY = {
    "set_random_seed": "lamina.utils.random_seed",
    "get_random_seed": "lamina.utils.random_seed",
    "PyDataset": "lamina.utils.py_dataset",
    "Sequence": ("lamina.utils.py_dataset", "PyDataset"),
    "pack_x_y_sample_weight": "lamina.trainers.packing",
    "unpack_x_y_sample_weight": "lamina.trainers.packing",
    "to_categorical": "lamina.utils.numerical_utils",
    "normalize": "lamina.utils.numerical_utils",
    "pad_sequences": "lamina.utils.sequence_utils",
    "timeseries_dataset_from_array": "lamina.utils.timeseries_dataset",
    "image_dataset_from_directory": "lamina.utils.image_dataset",
    "text_dataset_from_directory": "lamina.utils.text_dataset",
    "audio_dataset_from_directory": "lamina.utils.audio_dataset",
    "split_dataset": "lamina.utils.dataset_split",
    "BatchDataset": "lamina.utils.batch_dataset",
    "load_img": "lamina.utils.image_utils",
    "img_to_array": "lamina.utils.image_utils",
    "array_to_img": "lamina.utils.image_utils",
    "save_img": "lamina.utils.image_utils",
    "get_file": "lamina.utils.file_utils",
    "plot_model": "lamina.utils.model_visualization",
    "model_to_dot": "lamina.utils.model_visualization",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        target = _LAZY[name]
        module, attr = target if isinstance(target, tuple) else (target, name)
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
