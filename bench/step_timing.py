"""Timing of a training step for the PyTorch sides of bench/kovae and bench/pvrnn."""
import time


def ms_per_step(step, steps, reps):
    """Calls step() twice (the warm-up, as the C side), then yields, for each of reps
    repetitions, the milliseconds per call over steps calls, as each repetition ends."""
    step()
    step()
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        yield 1e3 * (time.perf_counter() - t0) / steps
