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


def process_summary(name: str, samples: list[tuple[float, float]],
                    base: tuple[float, float] | None = None) -> tuple[float, float]:
    """Print the median and minimum wall time and the median peak RSS of whole-process runs
    ((seconds, MiB) each), with the ratio and the RSS difference to ``base``; returns
    (median ms, median MiB) to serve as a base."""
    times = sorted(t * 1000 for t, _ in samples)
    rss = statistics.median(r for _, r in samples)
    median = statistics.median(times)
    line = (f"{name:<44} median {median:8.1f} ms   min {times[0]:8.1f} ms   "
            f"peak RSS {rss:6.1f} MiB")
    if base is not None:
        line += f"   ratio {median / base[0]:5.2f}x baseline   RSS {rss - base[1]:+6.1f} MiB"
    print(line, flush=True)
    return median, rss
