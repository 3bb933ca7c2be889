"""Errors a user can fix (one line, exit code 2) and the program's exit codes."""

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """Bad input from the user (a path, a flag, a file). Message is one line, no traceback."""


class Diverged(Exception):
    """Training produced a non-finite loss or weights; the model keeps its last finite weights."""

    def __init__(self, step: int, loss: float, weights: bool = False):
        why = "its update took weights past float32's range" if weights else \
            f"loss {loss:.4g} nats is not finite in float32 probabilities"
        super().__init__(f"training diverged at step {step} ({why}); kept the weights of step {step - 1}; "
                         "try a smaller --lr")
        self.step = step
        self.loss = loss
