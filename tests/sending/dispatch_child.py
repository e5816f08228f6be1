"""A dispatcher in its own process, for test_dispatch_crash.py to SIGKILL at random points.

Usage: python dispatch_child.py NOW_ISO SEED   (settings from the GTM_* environment)
Prints "ready" before dispatching and "sent" after each message is handed to the file sender;
random sleeps before and after each hand-over widen the windows a kill can land in.
"""

import random
import sys
import time
from datetime import datetime

from gtm.db import connect
from gtm.providers.senders.file import FileSender
from gtm.sending.dispatch import dispatch_due
from gtm.settings import load_settings


class SlowFileSender(FileSender):
    def __init__(self, outbox_dir, rng: random.Random):
        super().__init__(outbox_dir)
        self.rng = rng

    def send(self, email):
        time.sleep(self.rng.uniform(0.005, 0.04))
        outcome = super().send(email)
        print("sent", flush=True)
        time.sleep(self.rng.uniform(0.005, 0.04))
        return outcome


def main() -> None:
    now, rng = datetime.fromisoformat(sys.argv[1]), random.Random(int(sys.argv[2]))
    settings = load_settings()
    print("ready", flush=True)
    dispatch_due(lambda: connect(settings), settings, now=now,
                 adapters=lambda sender: SlowFileSender(settings.outbox_dir, rng))
    print("done", flush=True)


if __name__ == "__main__":
    main()
