"""The STFT initializer: Fourier-basis kernels for the STFTSpectrogram layer."""

from __future__ import annotations

from lamina import ops
from lamina.backend.common.dtypes import standardize_dtype
from lamina.initializers.initializer import Initializer
from lamina.saving.serialization import builtin


def _get_window(name, length: int, periodic: bool):
    try:
        from scipy import signal
    except ImportError as e:  # pragma: no cover - scipy is a Keras dependency
        raise ImportError(
            f"STFT initializer: the named window {name!r} needs scipy (scipy.signal.get_window); "
            "install scipy or pass the window values as an array."
        ) from e
    return signal.get_window(name, length, fftbins=periodic)


@builtin("keras.initializers")
class STFT(Initializer):
    """Real or imaginary parts of a (windowed) DFT basis, as a Conv1D kernel ``(frame_length, 1, bins)``.

    Args:
        side: ``"real"`` (cosine part) or ``"imag"`` (sine part).
        window: a ``scipy.signal.windows`` name (``"hann"``, ``"hamming"``, ...), window values
            of length ``frame_length``, or None for no window.
        scaling: ``"density"`` (divide by the window's L2 norm), ``"spectrum"`` (by its L1
            norm) or None.
        periodic: use the periodic form of a named window.

    Example:
        >>> STFT("real", "hann")((128, 1, 65))
    """

    def __init__(self, side: str = "real", window="hann", scaling: str | None = "density",
                 periodic: bool = False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT initializer: `side` must be 'real' or 'imag'; received side={side!r}.")
        if isinstance(window, str):
            _get_window(window, 1, periodic)  # fails early on an unknown window name
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                f"STFT initializer: `scaling` must be None, 'density' or 'spectrum'; received scaling={scaling!r}."
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        shape = tuple(shape)
        if len(shape) != 3:
            raise ValueError(
                f"STFT initializer: expected a shape (frame_length, input_channels, fft_bins); "
                f"received shape={shape}."
            )
        frame_length, _, bins = shape
        window = None
        scale = 1
        if self.window is not None:
            values = self.window
            if isinstance(values, str):
                values = _get_window(values, frame_length, self.periodic)
            window = ops.convert_to_tensor(values, dtype=dtype)
            if tuple(ops.shape(window)) != (frame_length,):
                raise ValueError(
                    f"STFT initializer: the window must have shape ({frame_length},) (the frame length); "
                    f"received shape {tuple(ops.shape(window))}."
                )
            window = ops.reshape(window, (frame_length, 1, 1))
            if self.scaling == "density":
                scale = ops.sqrt(ops.sum(ops.square(window)))
            elif self.scaling == "spectrum":
                scale = ops.sum(ops.abs(window))
        fft_length = (bins - 1) * 2
        freq = ops.divide(ops.reshape(ops.arange(bins, dtype=dtype), (1, 1, bins)), fft_length)
        time = ops.reshape(ops.arange(frame_length, dtype=dtype), (frame_length, 1, 1))
        pi = ops.arccos(ops.cast(-1, dtype))
        angle = ops.multiply(ops.multiply(ops.multiply(-2, time), freq), pi)
        kernel = ops.cast(ops.cos(angle) if self.side == "real" else ops.sin(angle), dtype)
        if window is not None:
            kernel = ops.divide(ops.multiply(kernel, window), scale)
        return kernel

    def get_config(self) -> dict:
        window = self.window
        if window is not None and not isinstance(window, str):
            window = [float(v) for v in ops.convert_to_numpy(ops.convert_to_tensor(window)).reshape(-1)]
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}
