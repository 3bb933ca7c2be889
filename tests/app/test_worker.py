"""The training process's messages to the window (no display needed)."""

import time

from cube_viz.app.worker import TrainingWorker
from cube_viz.sim.protocol import Play, RunInfo
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


def test_a_run_that_diverges_is_reported_paused():
    """Training pauses itself on divergence: the window's play state must follow (its button said Pause)."""
    worker = TrainingWorker(dict(SMALL, optimizer="sgd", lr=1e6), steps_per_second=200)
    try:
        assert worker.info.vocab  # the run started
        deadline = time.time() + 60
        while worker.playing and time.time() < deadline:
            worker.latest()
            time.sleep(0.05)
        assert not worker.playing and "diverged" in worker.current.message
        worker.send(Play())  # a command it has not answered yet: the window's word stands until it has
        assert worker.playing
    finally:
        worker.stop()


def test_steps_asked_for_on_the_command_line_pause_the_window_after_them():
    worker = TrainingWorker(dict(SMALL, steps=15), steps_per_second=200)
    try:
        assert worker.info.vocab
        deadline = time.time() + 60
        while worker.playing and time.time() < deadline:
            worker.latest()
            time.sleep(0.05)
        assert not worker.playing and worker.current.step == 15 and "paused after 15 steps" in worker.current.message
    finally:
        worker.stop()
