"""DropoutRNNCell: the per-sequence dropout masks of recurrent cells.

A recurrent cell mixes this class in (next to ``Layer``) and sets ``dropout``,
``recurrent_dropout`` and ``seed_generator``. A mask is drawn on first use and
kept until it is reset, so every time step of one sequence drops the same
units (the variational dropout of Gal & Ghahramani, as Keras does). The RNN
layer draws the masks before its time loop and resets them afterwards, so the
loop body itself draws nothing (which keeps it traceable by ``jax.lax.scan``).
With ``dropout_mask_count`` set (LSTM/GRU ``implementation=1``) each gate gets
its own mask and a list of masks is returned.
"""

from __future__ import annotations

from lamina import ops, random


class DropoutRNNCell:
    """Mixin that creates and caches the dropout masks of an RNN cell.

    Example:
        >>> cell = lamina.layers.SimpleRNNCell(4, dropout=0.5)
        >>> mask = cell.get_dropout_mask(np.ones((2, 3), "float32"))   # same mask until reset
    """

    def _create_dropout_mask(self, step_input, rate: float):
        ones = ops.ones_like(step_input)
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return random.dropout(ones, rate, seed=self.seed_generator)
        return [random.dropout(ones, rate, seed=self.seed_generator) for _ in range(count)]

    def get_dropout_mask(self, step_input):
        """The input dropout mask for inputs shaped like ``step_input`` (None when ``dropout`` is 0)."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            object.__setattr__(self, "_dropout_mask", self._create_dropout_mask(step_input, self.dropout))
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent dropout mask for states shaped like ``step_input`` (None when ``recurrent_dropout`` is 0)."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            object.__setattr__(self, "_recurrent_dropout_mask",
                               self._create_dropout_mask(step_input, self.recurrent_dropout))
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self) -> None:
        """Forget the cached input mask (the next sequence draws a new one)."""
        object.__setattr__(self, "_dropout_mask", None)

    def reset_recurrent_dropout_mask(self) -> None:
        """Forget the cached recurrent mask."""
        object.__setattr__(self, "_recurrent_dropout_mask", None)


def training_masks(cell, step_input, h_tm1, training):
    """The (input, recurrent) masks a built-in cell applies in this call: None where it applies none."""
    dp = rdp = None
    if training:
        if 0.0 < cell.dropout < 1.0:
            dp = cell.get_dropout_mask(step_input)
        if 0.0 < cell.recurrent_dropout < 1.0:
            rdp = cell.get_recurrent_dropout_mask(h_tm1)
    return dp, rdp


def check_units(cell, units) -> int:
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(
            f'{type(cell).__name__} "{cell.name}": `units` must be a positive integer; received units={units!r}.'
        )
    return units


def clip_rate(rate) -> float:
    return min(1.0, max(0.0, float(rate)))
