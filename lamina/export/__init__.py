"""lamina.export: serving artifacts (ONNX, torch ``.pt2``) and :class:`ExportArchive`.

Example:
    >>> model.export("model.onnx", format="onnx")
"""

from lamina.export.archive import ExportArchive  # noqa: F401
from lamina.export.export_lib import export_model  # noqa: F401

__all__ = ["ExportArchive", "export_model"]
