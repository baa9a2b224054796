"""lamina.layers: Keras 3's ``keras.layers`` namespace.

Example:
    >>> from lamina import layers
    >>> layers.Dense(4, activation="relu")
"""

from lamina.layers.core.dense import Dense  # noqa: F401
from lamina.layers.core.dropout import Dropout  # noqa: F401
from lamina.layers.core.einsum_dense import EinsumDense  # noqa: F401
from lamina.layers.core.embedding import Embedding  # noqa: F401
from lamina.layers.core.input_layer import Input, InputLayer  # noqa: F401
from lamina.layers.core.lambda_layer import Lambda  # noqa: F401
from lamina.layers.core.reversible_embedding import ReversibleEmbedding  # noqa: F401
from lamina.layers.core.simple import Activation, Flatten, Identity, Masking, Reshape  # noqa: F401
from lamina.layers.core.jax_layer import FlaxLayer, JaxLayer  # noqa: F401
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper  # noqa: F401
from lamina.layers.input_spec import InputSpec  # noqa: F401
from lamina.layers.layer import Layer  # noqa: F401

# One line per layer family; each family package lists its public names in ``__all__``.
from lamina.layers.activations import *  # noqa: F401,F403,E402
from lamina.layers.attention import *  # noqa: F401,F403,E402
from lamina.layers.convolutional import *  # noqa: F401,F403,E402
from lamina.layers.merging import *  # noqa: F401,F403,E402
from lamina.layers.normalization import *  # noqa: F401,F403,E402
from lamina.layers.pooling import *  # noqa: F401,F403,E402
from lamina.layers.preprocessing import *  # noqa: F401,F403,E402
from lamina.layers.regularization import *  # noqa: F401,F403,E402
from lamina.layers.reshaping import *  # noqa: F401,F403,E402
from lamina.layers.rnn import *  # noqa: F401,F403,E402


def serialize(layer):
    """The Keras 3 config dict of ``layer``."""
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer from its config dict (only lamina's own and registered classes are created)."""
    from lamina.saving.serialization import builtins_of, deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtins_of("keras.layers", "keras", "keras.models"))
