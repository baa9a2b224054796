"""SwapEMAWeights: evaluation and the end of training use the optimizer's EMA weights."""

import numpy as np
import pytest

import lamina
from lamina import callbacks as C
from tests.callbacks.conftest import WeightsRecorder, tiny_data, tiny_model
from tests.conftest import requires_training


def _ema(model):
    return [v.numpy().copy() for v in model.optimizer._model_variables_moving_average]


@requires_training
def test_evaluate_sees_ema_weights_and_restores_after():
    x, y = tiny_data()
    model = tiny_model(optimizer=lamina.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5))
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    before, ema = [w.copy() for w in model.get_weights()], _ema(model)
    assert not np.allclose(before[0], ema[0])
    seen = []
    spy = C.LambdaCallback(on_test_begin=lambda logs: seen.append([w.copy() for w in model.get_weights()]))
    swapped = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[C.SwapEMAWeights(), spy])
    for got, want in zip(seen[0], ema):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    model.set_weights(ema)
    direct = model.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(swapped["loss"], direct["loss"], rtol=1e-6)


@requires_training
def test_swap_on_epoch_leaves_ema_weights_in_the_model():
    x, y = tiny_data()
    model = tiny_model(optimizer=lamina.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5))
    raw = WeightsRecorder()  # before the swap: the raw trained weights
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[raw, C.SwapEMAWeights(swap_on_epoch=True)])
    final = model.get_weights()
    for got, avg in zip(final, _ema(model)):
        np.testing.assert_allclose(got, avg, rtol=1e-6)  # finalized: averages equal the model weights
    assert not np.allclose(final[0], raw.weights[1][0])


def test_needs_an_ema_optimizer():
    x, y = tiny_data(4)
    model = tiny_model()
    model.evaluate(x, y, verbose=0)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(x, y, verbose=0, callbacks=[C.SwapEMAWeights()])
