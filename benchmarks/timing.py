"""Small timing helpers shared by the benchmarks: best-of-N wall time in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def measure(fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples),
            "p90_ms": sorted(samples)[int(0.9 * (len(samples) - 1))]}


def report(name: str, result: dict[str, float], baseline: dict[str, float] | None = None) -> None:
    line = (f"{name:<44} median {result['median_ms']:8.2f} ms   p90 {result['p90_ms']:8.2f} ms")
    if baseline:
        line += f"   ratio {result['median_ms'] / baseline['median_ms']:6.1f}x baseline"
    print(line, flush=True)
