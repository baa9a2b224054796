"""lamina.saving: serialization registry (and, later, model files)."""

from lamina.saving.serialization import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from lamina.saving.file_safety import LaminaFileError, UnsafeFileError  # noqa: F401
from lamina.saving.saving_api import (  # noqa: F401
    load_model,
    load_weights,
    model_from_json,
    save_model,
    save_weights,
)
