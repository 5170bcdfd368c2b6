"""Long batch jobs give way to interactive readers on the CPU.

A full ``sahelwatch forecast``, ``evaluate`` or the main job's forecast step computes for
minutes. On a small machine it would take every core from a dashboard server answering readers
at the same time (measured on two cores: reads took seconds, a few timed out). So batch jobs

* lower their own CPU priority: :func:`yield_to_readers` raises the nice value of every thread
  of the process (numpy's BLAS threads are started at import) by ``SAHELWATCH_BATCH_NICE``
  (default 10; 0 leaves it), and worker processes they start inherit it;
* leave cores to others: :func:`batch_workers` caps worker processes at the machine's cores
  less ``SAHELWATCH_FREE_CORES`` (default 1, never fewer than one worker), so on two cores a
  forecast runs in one process; :func:`work_cores` bounds the server's DuckDB threads per query
  the same way, so one read cannot take every core.

Niceness works between processes of one scheduling group: where the kernel groups processes by
terminal session (``/proc/sys/kernel/sched_autogroup_enabled`` is 1), a job started from
another terminal than the server competes as a group; start both from one session or service
manager, or give the job a lower CPU weight there (``systemd-run --nice=10``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from sahelwatch.settings import overridden, settings

__all__ = ["batch_workers", "cores", "run_yielding", "work_cores", "yield_to_readers"]

T = TypeVar("T")

_yielded = False


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def work_cores() -> int:
    """Cores one job may keep busy: the machine's less ``SAHELWATCH_FREE_CORES``, at least 1."""
    return max(1, cores() - settings().free_cores)


def batch_workers(requested: int) -> int:
    """Worker processes a batch job starts when asked for ``requested``: at most
    :func:`work_cores`, at least 1 (which runs the work in the process itself)."""
    return max(1, min(requested, work_cores()))


def yield_to_readers() -> int:
    """Lower this process's CPU priority by ``SAHELWATCH_BATCH_NICE`` (once per process: later
    calls change nothing) and return its nice value. On Linux every running thread is lowered
    (the nice value belongs to each thread); elsewhere the process."""
    global _yielded
    if not hasattr(os, "nice"):  # Windows
        return 0
    step = settings().batch_nice
    if _yielded or step == 0:
        return os.nice(0)
    _yielded = True
    target = min(19, os.getpriority(os.PRIO_PROCESS, 0) + step)
    tasks = f"/proc/{os.getpid()}/task"
    if sys.platform.startswith("linux") and os.path.isdir(tasks):
        for tid in os.listdir(tasks):
            with contextlib.suppress(OSError):  # a thread that ended meanwhile
                now = os.getpriority(os.PRIO_PROCESS, int(tid))
                os.setpriority(os.PRIO_PROCESS, int(tid), max(now, target))
    else:
        with contextlib.suppress(OSError):
            os.nice(target - os.getpriority(os.PRIO_PROCESS, 0))
    return os.nice(0)


def _yielding_call(
    fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], values: dict[str, Any]
) -> T:
    with overridden(**values):
        yield_to_readers()
        return fn(*args, **kwargs)


def run_yielding(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a child process that yields to readers (for a step of a
    process that goes on at full priority afterwards, such as the main job before it serves
    the dashboard), with this process's settings (command-line options included). ``fn`` and
    its arguments are pickled; its result or exception comes back."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    values = settings().model_dump()
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_yielding_call, fn, args, kwargs, values).result()
