"""lamina.callbacks: Keras 3's ``keras.callbacks``."""

from lamina.callbacks.callback import Callback  # noqa: F401
from lamina.callbacks.callback_list import CallbackList  # noqa: F401
from lamina.callbacks.history import History  # noqa: F401
from lamina.callbacks.progbar_logger import ProgbarLogger  # noqa: F401
