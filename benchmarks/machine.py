"""What machine a benchmark ran on, recorded beside every figure, where the figures go, and the
throw-away GTM_HOME a benchmark runs in."""

import json
import os
import platform
import sys
import tempfile
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


def scratch_home(prefix: str, *unset: str) -> Path:
    """A fresh GTM_HOME (so the embedded PostgreSQL starts empty) for this process, with any
    configured external database and the `unset` variables removed from the environment."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["GTM_HOME"] = str(home)
    for var in ("GTM_DATABASE_URL", "SUPABASE_DB_URL", *unset):
        os.environ.pop(var, None)
    return home
