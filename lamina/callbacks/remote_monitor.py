"""RemoteMonitor: POST each epoch's logs as JSON to a server."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin


@builtin("keras.callbacks")
class RemoteMonitor(Callback):
    """Send ``{"epoch": epoch, **logs}`` to ``root + path`` with an HTTP POST at the end of each epoch.

    By default the JSON text goes in the form field ``field``
    (``application/x-www-form-urlencoded``); with ``send_as_json=True`` it is the request
    body (``application/json``). Uses only the standard library.

    Args:
        root: server root URL.
        path: path appended to ``root``.
        field: form field that carries the JSON (when not ``send_as_json``).
        headers: extra HTTP headers.
        send_as_json: send the JSON as the body.

    Example:
        >>> lamina.callbacks.RemoteMonitor(root="http://localhost:9000", send_as_json=True)
    """

    timeout = 10.0  # seconds to wait for the server

    def __init__(self, root: str = "http://localhost:9000", path: str = "/publish/epoch/end/",
                 field: str = "data", headers: dict | None = None, send_as_json: bool = False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            if isinstance(value, np.ndarray):
                value = value.item() if value.ndim == 0 else value.tolist()
            elif isinstance(value, np.generic):
                value = value.item()
            send[key] = value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status); the logs were delivered
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
