"""Shared machinery of the ``*_dataset_from_directory`` utilities: listing files, labels, splits.

Follows Keras's documented behaviour: class folders are the sorted, non-hidden
subdirectories of ``directory`` (or ``class_names`` in the given order); files
are listed recursively inside each class folder in alphanumeric order; with
``shuffle=True`` the whole list is shuffled with ``np.random.RandomState(seed)``;
``validation_split`` keeps the last ``int(split * n)`` files for validation.
"""

from __future__ import annotations

import os

import numpy as np

from lamina.utils.batch_dataset import BatchDataset


def check_validation_split_arg(validation_split, subset, shuffle, seed, where: str) -> None:
    """Validate the ``validation_split``/``subset``/``seed`` combination as Keras does."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{where}: `validation_split` must be between 0 and 1; received {validation_split}.")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{where}: if `subset` is set, `validation_split` must be set, and inversely; "
                         f"received validation_split={validation_split}, subset={subset!r}.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{where}: `subset` must be 'training', 'validation' or 'both'; received {subset!r}.")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{where}: when using `validation_split` with shuffling, pass a `seed` so that the "
                         "training and validation subsets do not overlap.")


def check_labels_args(labels, label_mode, class_names, where: str):
    """Validate ``labels``/``label_mode``/``class_names``; returns ``(labels, label_mode)``."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(f"{where}: `labels` must be 'inferred', None, or a list/tuple of integer labels (one "
                             f"per file, in alphanumeric order of the file paths); received labels={labels!r}.")
        if class_names:
            raise ValueError(f"{where}: `class_names` can only be passed with labels='inferred'; received "
                             f"class_names={class_names!r}.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{where}: `label_mode` must be 'int', 'categorical', 'binary' or None; "
                         f"received {label_mode!r}.")
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _list_files(folder: str, formats, follow_links: bool):
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda item: item[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                found.append(os.path.join(root, name))
    return found


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True, where="index_directory"):
    """List the files of ``directory`` with their labels: ``(file_paths, labels, class_names)``."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"{where}: directory {directory!r} does not exist or is not a directory.")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"{where}: `class_names` {list(class_names)} do not match the subdirectories of "
                                 f"{directory!r}: expected a subset of {subdirs}.")
            subdirs = list(class_names)
        if not subdirs:
            raise ValueError(f"{where}: labels='inferred' needs one subdirectory per class in {directory!r}, but it "
                             "has no subdirectories. Put the files of each class in their own folder, or pass "
                             "labels=None (no labels) or an explicit list of labels.")
    else:
        if class_names is not None:
            raise ValueError(f"{where}: `class_names` can only be passed with labels='inferred'.")
        subdirs = [""]
    paths, label_list = [], []
    for index, sub in enumerate(subdirs):
        files = _list_files(os.path.join(directory, sub) if sub else directory, formats, follow_links)
        paths.extend(files)
        label_list.extend([index] * len(files))
    if labels == "inferred":
        out_labels = np.asarray(label_list, dtype="int32")
        names = list(subdirs)
    elif labels is None:
        out_labels, names = None, None
    else:
        if len(labels) != len(paths):
            raise ValueError(f"{where}: got {len(labels)} labels but found {len(paths)} files in {directory!r}; "
                             "pass one label per file.")
        out_labels = np.asarray(labels)
        names = [str(v) for v in sorted(set(np.asarray(labels).tolist()))]
    if verbose:
        if out_labels is None:
            print(f"Found {len(paths)} files.")
        else:
            print(f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        np.random.RandomState(seed).shuffle(paths)
        if out_labels is not None:
            np.random.RandomState(seed).shuffle(out_labels)
    return paths, out_labels, names


def split(paths, labels, validation_split, subset):
    """Restrict to the training (all but the last ``int(split*n)``) or validation (the last ones) part."""
    if not validation_split:
        return paths, labels
    num_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - num_val} files for training.")
        cut = slice(0, len(paths) - num_val)
    else:
        print(f"Using {num_val} files for validation.")
        cut = slice(len(paths) - num_val, len(paths))
    return paths[cut], (None if labels is None else labels[cut])


def encode_labels(labels, label_mode, num_classes):
    """Integer labels -> the arrays Keras yields for ``label_mode`` (int32, binary float32 (n,1), one-hot float32)."""
    labels = np.asarray(labels)
    if label_mode == "int":
        return labels.astype("int32")
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    out = np.zeros((len(labels), num_classes), dtype="float32")
    out[np.arange(len(labels)), labels.astype("int64")] = 1.0
    return out


def build_datasets(directory, load_files, labels, label_mode, class_names, batch_size, shuffle, seed,
                   validation_split, subset, follow_links, verbose, formats, where, what="files"):
    """Index, split and wrap into BatchDatasets. ``load_files(paths)`` returns the batch of inputs.

    Returns one dataset, or ``[train, validation]`` when ``subset='both'``.
    """
    labels, label_mode = check_labels_args(labels, label_mode, class_names, where)
    check_validation_split_arg(validation_split, subset, shuffle, seed, where)
    if seed is None:
        seed = np.random.randint(1_000_000)
    paths, int_labels, names = index_directory(directory, labels if labels is not None else None, formats,
                                               class_names=class_names, shuffle=shuffle, seed=seed,
                                               follow_links=follow_links, verbose=verbose, where=where)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"{where}: label_mode='binary' needs exactly 2 classes; found class_names={names}.")
    num_classes = len(names) if names else 0
    encoded = None if label_mode is None else encode_labels(int_labels, label_mode, num_classes)

    def make(part_paths, part_labels, part_shuffle):
        part_paths = list(part_paths)

        def fetch(indices):
            x = load_files([part_paths[i] for i in indices])
            if part_labels is None:
                return x
            return x, part_labels[np.asarray(indices, dtype="int64")]

        return BatchDataset(fetch, len(part_paths), batch_size=batch_size, shuffle=part_shuffle, seed=seed,
                            class_names=names, file_paths=part_paths)

    if subset == "both":
        train = split(paths, encoded, validation_split, "training")
        val = split(paths, encoded, validation_split, "validation")
        if not train[0]:
            raise ValueError(f"{where}: no training {what} found in {directory!r} (allowed formats: {formats}).")
        if not val[0]:
            raise ValueError(f"{where}: no validation {what} found in {directory!r} (allowed formats: {formats}).")
        return [make(train[0], train[1], shuffle), make(val[0], val[1], False)]
    part_paths, part_labels = split(paths, encoded, validation_split, subset)
    if not part_paths:
        raise ValueError(f"{where}: no {what} found in {directory!r} (allowed formats: {formats}).")
    return make(part_paths, part_labels, shuffle)
