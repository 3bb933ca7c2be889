"""The training process's messages to the window (no display needed)."""

import time

from cube_viz.app.worker import RunInfo, TrainingWorker
from tests.conftest import SMALL


def test_a_window_slow_to_start_still_gets_the_run_s_start():
    """The newest snapshots push the oldest out of the results queue; the run's start must not be one."""
    worker = TrainingWorker(dict(SMALL), steps_per_second=200)
    try:
        deadline = time.time() + 60
        while not worker.results.full() and time.time() < deadline:  # the window is still loading VTK ...
            time.sleep(0.1)
        assert worker.results.full()
        time.sleep(0.5)  # ... while more snapshots come and push the oldest out
        info = worker.info
        assert isinstance(info, RunInfo) and len(info.vocab) > 0
        while worker.latest() is None and time.time() < deadline:  # and the snapshots still come
            time.sleep(0.05)
        assert worker.current is not None
    finally:
        worker.stop()
