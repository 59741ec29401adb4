"""Start one command from a small process; report its wall time and its own peak RSS.

A child's ``ru_maxrss`` includes the memory of the process it was spawned
from (Linux keeps the old address space's high-water mark across ``exec``),
so ``bench/run.py``, which has SQLAlchemy loaded, cannot spawn the timed
command itself. This launcher runs under ``python -S`` (about 9 MiB), times
from spawn to exit, kills the command after the timeout, and writes
``seconds max_rss_kib exit_code timed_out`` to the file descriptor it is given.
Standard library only; stdin, stdout, stderr, environment and cwd pass through.

    python -S bench/launch.py TIMEOUT REPORT_FD COMMAND [ARG...]
"""

from __future__ import annotations

import os
import select
import sys
import time


def main() -> None:
    timeout, report, argv = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    os.set_inheritable(report, False)
    started = time.perf_counter()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ)
    except OSError as error:
        sys.stderr.write(f"launch: cannot start {argv[0]}: {error}\n")
        os.write(report, b"0 0 127 0")
        return
    timed_out = not _exited(pid, timeout)
    if timed_out:
        os.kill(pid, 9)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    os.write(report, f"{seconds:.6f} {usage.ru_maxrss} {code} {int(timed_out)}".encode())


def _exited(pid: int, timeout: float) -> bool:
    """Wait for the child without reaping it: a pidfd if the kernel has them, else polling."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        deadline = time.monotonic() + timeout
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.0005)
        return True
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    return bool(ready)


if __name__ == "__main__":
    main()
