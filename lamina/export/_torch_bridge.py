"""Subprocess entry point: rebuild a saved model on the torch backend and export it (used by export_lib).

Run as ``LAMINA_BACKEND=torch python -m lamina.export._torch_bridge job.json``; the job
file names a private ``.keras`` archive written by the parent process, the
output path, the format and the input signature. Errors go to stderr as one
line for the parent to report.
"""

from __future__ import annotations

import json
import sys
import warnings

from lamina.export.export_lib import WARNING_PREFIX


def main(job_path: str) -> None:
    import lamina
    from lamina.backend.torch import export as torch_export

    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    if lamina.config.backend() != "torch":
        raise RuntimeError(f"the export subprocess runs the {lamina.config.backend()} backend, not torch")
    lamina.config.set_floatx(job["floatx"])
    lamina.config.set_image_data_format(job["image_data_format"])
    # The archive was written moments ago by the parent process from its own live model, into a private
    # temporary directory: it is the user's own code (Lambda layers included), not a downloaded file.
    model = lamina.saving.load_model(job["archive"], compile=False, safe_mode=False)
    specs = [(tuple(shape), dtype, name) for shape, dtype, name in job["specs"]]
    structure = job["structure"]

    def call(inputs):
        return model(inputs, training=False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if job["format"] == "onnx":
            torch_export.export_onnx(call, model.variables, specs, job["output"], structure,
                                     output_names=job["output_names"],
                                     opset_version=job["kwargs"].get("opset_version"))
        else:
            torch_export.export_torch(call, model.variables, specs, job["output"], structure, **job["kwargs"])
    for w in caught:  # the parent process re-issues lamina's own export warnings
        text = str(w.message)
        if text.startswith("export:"):
            print(WARNING_PREFIX + text.replace("\n", " "))


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as e:  # one readable line for the parent process
        print(f"{type(e).__name__}: {e}".replace("\n", " "), file=sys.stderr)
        sys.exit(1)
