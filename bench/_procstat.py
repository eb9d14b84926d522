"""What /proc says about a process: CPU seconds used and peak resident memory (psutil is not a dependency).

    cpu_seconds(pid)   utime + stime of every thread of the process so far, in seconds (None if it is gone)
    peak_rss_mb(pid)   VmHWM: the most resident memory the process has had, in MiB (None if it is gone)
    rss_mb(pid)        VmRSS now, in MiB
    loadavg()          the 1-minute load average of the machine (others' work shows here too)

The clock-tick resolution (usually 10 ms) bounds how finely CPU time can be split: measure over seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (comm) may hold spaces and parentheses: split after the last ')'. Then state is field 3,
    # utime field 14 and stime field 15 (man 5 proc), i.e. indexes 11 and 12 of what follows.
    rest = text[text.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb(pid: int) -> float | None:
    kb = _status_kb(pid, "VmHWM")
    return None if kb is None else kb / 1024


def rss_mb(pid: int) -> float | None:
    kb = _status_kb(pid, "VmRSS")
    return None if kb is None else kb / 1024


def loadavg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
