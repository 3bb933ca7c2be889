"""cube-viz: a small torch language model drawn as a glass cube of reflectors.

Python API: `cube_viz.load_checkpoint(path)` -> TrainedModel with .model, .vocab, .config, .predict(prompt).
"""

__version__ = "0.1.0"
__all__ = ["__version__", "load_checkpoint"]


def __getattr__(name: str):
    # lazy, so `cube-viz --help` and bad-input errors answer without importing torch
    if name == "load_checkpoint":
        from cube_viz.sim.checkpoint import load_checkpoint

        return load_checkpoint
    raise AttributeError(f"module 'cube_viz' has no attribute {name!r}")
