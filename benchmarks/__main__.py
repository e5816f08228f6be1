"""Run every benchmark: `python -m benchmarks` (what `make bench` does)."""

import runpy
from pathlib import Path

HERE = Path(__file__).parent

for script in ("intake_throughput.py", "dedupe_quality.py", "icp_scoring.py",
               "replies_bounces.py", "replies_classification.py", "replies_ingestion.py",
               "segment_preview.py", "drafting_throughput.py", "sending_scheduler.py",
               "sending_dispatch.py", "enrich_firmographics.py", "enrich_stages.py"):
    print(f"== {script}", flush=True)
    runpy.run_path(str(HERE / script), run_name="__main__")
