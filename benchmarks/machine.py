"""What machine a benchmark ran on, recorded beside every figure, and where the figures go."""

import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def machine_info() -> dict:
    return {"platform": platform.platform(), "python": sys.version.split()[0],
            "cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine()}


def write_result(name: str, result: dict, shown: dict | None = None) -> Path:
    """Writes benchmarks/results/NAME.json and prints `shown` (the whole result by default)."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result if shown is None else shown, indent=2, ensure_ascii=False))
    return out
