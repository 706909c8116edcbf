"""Waiting for what another thread or process does, without a fixed sleep."""

import time


def eventually(condition, seconds: float = 2) -> bool:
    """Whether `condition()` comes true within `seconds`, asking every 10 ms."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
