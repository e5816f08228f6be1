"""The OpenAI-compatible test server answering as the drafting model, in its own process.

`tests.support.openai_server` run as a script answers with an echo, which no DSPy Signature can
parse; this runs the same server with `tests.support.drafting_model.DraftingModel` answers, so
the benchmark measures the real litellm/DSPy path and not a stream of parse errors.

Example: python -m benchmarks.drafting_server --latency 1 --jitter 0.2 --error-rate 0.3
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.drafting_model import DraftingModel  # noqa: E402
from support.openai_server import main  # noqa: E402

if __name__ == "__main__":
    main(answer=DraftingModel())
