"""Run every benchmark: `python -m benchmarks` (what `make bench` does)."""

import runpy
from pathlib import Path

HERE = Path(__file__).parent

for script in ("intake_throughput.py", "dedupe_quality.py"):
    print(f"== {script}", flush=True)
    runpy.run_path(str(HERE / script), run_name="__main__")
