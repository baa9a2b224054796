"""``audio_dataset_from_directory``: batches of WAV audio (and labels from folder names).

WAV files are decoded with the standard library ``wave`` module (8/16/24/32-bit
integer PCM) to float32 in [-1, 1], shaped ``(samples, channels)``, as
``tf.audio.decode_wav``. Without ``output_sequence_length`` every batch is
zero-padded to its longest clip; with it, clips are cut or zero-padded to that
length. Resampling (``sampling_rate``) is not supported (Keras needs
tensorflow-io for it).

Example:
    >>> ds = lamina.utils.audio_dataset_from_directory("speech", output_sequence_length=16000)
    >>> audio, labels = ds[0]          # (32, 16000, 1) float32, (32,) int32
"""

from __future__ import annotations

import wave

import numpy as np

from lamina.utils import directory_index

ALLOWED_FORMATS = (".wav",)
_WHERE = "audio_dataset_from_directory"


def read_wav(path) -> np.ndarray:
    """Decode a PCM WAV file -> float32 array ``(samples, channels)`` in [-1, 1]."""
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, frames = f.getnchannels(), f.getsampwidth(), f.getnframes()
            raw = f.readframes(frames)
    except (wave.Error, EOFError, OSError) as e:
        raise ValueError(f"{_WHERE}: cannot read the WAV file {str(path)!r}: {e}") from None
    if width == 1:
        data = (np.frombuffer(raw, dtype="uint8").astype("float32") - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype("float32") / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, dtype="uint8").reshape(-1, 3).astype("int32")
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype("float32") / float(1 << 23)
    elif width == 4:
        data = (np.frombuffer(raw, dtype="<i4").astype("float64") / float(1 << 31)).astype("float32")
    else:
        raise ValueError(f"{_WHERE}: unsupported sample width {width} bytes in {str(path)!r}.")
    return data.reshape(-1, channels)


def _fit_length(clip, length):
    if clip.shape[0] >= length:
        return clip[:length]
    return np.concatenate([clip, np.zeros((length - clip.shape[0], clip.shape[1]), "float32")])


def audio_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int", class_names=None,
                                 batch_size: int | None = 32, sampling_rate: int | None = None,
                                 output_sequence_length: int | None = None, ragged: bool = False,
                                 shuffle: bool = True, seed: int | None = None,
                                 validation_split: float | None = None, subset: str | None = None,
                                 follow_links: bool = False, verbose: bool = True):
    """``.wav`` files in class subfolders of ``directory`` -> a dataset of ``(audio, labels)`` batches."""
    if ragged:
        raise NotImplementedError(f"{_WHERE}: ragged=True is not supported (lamina has no ragged tensors); "
                                  "pass output_sequence_length or leave batches zero-padded.")
    if sampling_rate is not None:
        raise NotImplementedError(f"{_WHERE}: resampling (sampling_rate={sampling_rate}) is not supported; "
                                  "resample the files beforehand.")
    if output_sequence_length is not None and (not isinstance(output_sequence_length, int)
                                               or output_sequence_length < 1):
        raise ValueError(f"{_WHERE}: `output_sequence_length` must be a positive integer; "
                         f"received {output_sequence_length!r}.")

    def load(paths):
        clips = [read_wav(p) for p in paths]
        if len({c.shape[1] for c in clips}) > 1:
            raise ValueError(f"{_WHERE}: the files {list(paths)} have different numbers of channels.")
        length = output_sequence_length or max(c.shape[0] for c in clips)
        return np.stack([_fit_length(c, length) for c in clips])

    return directory_index.build_datasets(
        directory, load, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, ALLOWED_FORMATS, _WHERE, what="audio files")
