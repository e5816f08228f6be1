"""What machine a benchmark ran on, recorded beside every figure."""

import os
import platform
import sys


def machine_info() -> dict:
    return {"platform": platform.platform(), "python": sys.version.split()[0],
            "cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine()}
