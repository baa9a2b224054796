"""Recurrent layers: RNN and its cells (SimpleRNN, LSTM, GRU, stacked), Bidirectional, TimeDistributed."""

from lamina.layers.rnn.bidirectional import Bidirectional  # noqa: F401
from lamina.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: F401
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell  # noqa: F401
from lamina.layers.rnn.gru import GRU, GRUCell  # noqa: F401
from lamina.layers.rnn.lstm import LSTM, LSTMCell  # noqa: F401
from lamina.layers.rnn.rnn import RNN  # noqa: F401
from lamina.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell  # noqa: F401
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells  # noqa: F401
from lamina.layers.rnn.time_distributed import TimeDistributed  # noqa: F401
from lamina.layers.rnn.wrapper import Wrapper  # noqa: F401

__all__ = [
    "Bidirectional",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
    "Wrapper",
]
