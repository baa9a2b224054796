"""lamina.models: Model, Sequential, Functional."""

from lamina.models.functional import Functional  # noqa: F401
from lamina.models.model import Model  # noqa: F401
from lamina.models.sequential import Sequential  # noqa: F401
from lamina.saving.saving_api import load_model, model_from_json  # noqa: F401
from lamina.models.cloning import clone_model  # noqa: F401
