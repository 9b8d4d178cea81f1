"""Imported at start-up by every Python process with this folder on ``PYTHONPATH`` (the end-to-end tests' first
``dvc repro``): a stage process (``python -m pipeline.stages.<stage> [ARGUMENT]``) records the keys of ``params.yaml``
it reads into ``$PARAM_READS/<stage>[@ARGUMENT].json`` (:func:`tests.param_recorder.record_stage`). Any other
process, dvc's own included, is left alone."""

import os
import sys

if (
    os.environ.get("PARAM_READS")
    and sys.orig_argv[1:3][:1] == ["-m"]
    and sys.orig_argv[2].startswith("pipeline.stages.")
):
    from tests.param_recorder import record_stage

    record_stage(os.environ["PARAM_READS"], sys.orig_argv[2].rpartition(".")[2], sys.orig_argv[3:])
