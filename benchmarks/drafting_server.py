"""The OpenAI-compatible test server answering as the drafting model, in its own process.

`tests.support.openai_server` run as a script answers with an echo, which no DSPy Signature can
parse; this runs the same server with `tests.support.drafting_model.DraftingModel` answers, so
the benchmark measures the real litellm/DSPy path and not a stream of parse errors.

Example: python -m benchmarks.drafting_server --latency 1 --jitter 0.2 --error-rate 0.3
"""

import argparse
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.drafting_model import DraftingModel  # noqa: E402
from support.openai_server import OpenAITestServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--jitter", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    server = OpenAITestServer(answer=DraftingModel(), latency=args.latency, jitter=args.jitter,
                              error_rate=args.error_rate, seed=args.seed).start()
    print(server.base_url, flush=True)  # the benchmark reads the api_base from the first line
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
