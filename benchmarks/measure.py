"""Run one command and measure it: wall time, CPU time and peak memory of that command only.

Peak memory comes from `os.wait4()` on the command's own process id: the kernel returns the
rusage of that child (and of the descendants it waited for), so `ru_maxrss` is the peak RSS of
the largest single process of that command. This is the figure GNU `/usr/bin/time -f %M`
prints (it uses the same call). It avoids `getrusage(RUSAGE_CHILDREN)`, whose `ru_maxrss` is a
maximum over every child the runner ever waited for, so a small command measured after a big
one would report the big one's peak.

A build that runs worker processes at the same time uses the sum of their memory, which no
rusage figure gives. `tree_peak_mb` adds that: the peak of the summed memory of the whole
process tree, sampled from /proc (Linux only; None elsewhere) every `SAMPLE_SECONDS`, or less
often where one sample takes long: reading smaps_rollup walks a process's page tables, some
20 ms for a process of 1 GB, so sampling a large build's tree every 100 ms took half a core
of a 2-core machine from the command measured; the sampler keeps to `SAMPLE_SHARE` of one
core (a sample a second for such a tree; a peak held for less than that may be missed). Each
process counts with its PSS (proportional set size, from /proc/PID/smaps_rollup): forked
workers share their parent's pages copy-on-write, and summing RSS would count those pages once
per process. Where smaps_rollup cannot be read it falls back to RSS. It is at least
`max_rss_mb` by construction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SAMPLE_SECONDS = 0.1  # the shortest wait between two samples of the tree's memory
SAMPLE_SHARE = 0.05  # of one core, at most, for sampling
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
TAIL_CHARS = 2000


@dataclass
class Measurement:
    """One run of one command."""

    command: list[str]
    ok: bool
    returncode: int | None
    wall_s: float
    cpu_s: float  # user + system time of the command and its waited-for descendants
    max_rss_mb: float  # ru_maxrss from wait4: the largest single process
    tree_peak_mb: float | None  # sampled peak of the summed RSS of the process tree
    error: str = ""  # why it failed: the end of stderr, a timeout, a missing program
    stdout: str = ""  # the end of stdout
    stderr: str = ""  # the end of stderr (okrsite's --timings output)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def failed(command: list[str], error: str) -> Measurement:
    return Measurement(command, False, None, 0.0, 0.0, 0.0, None, error)


class TreeSampler(threading.Thread):
    """Samples the summed memory (PSS) of a process and all its descendants until stopped."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.peak_bytes = 0
        self.samples = 0
        self.stopped = threading.Event()
        self.works = Path("/proc/self/statm").exists()

    def run(self) -> None:
        wait = SAMPLE_SECONDS
        while self.works and not self.stopped.wait(wait):
            started = time.perf_counter()
            self.peak_bytes = max(self.peak_bytes, self.tree_rss())
            self.samples += 1
            wait = max(SAMPLE_SECONDS, (time.perf_counter() - started) / SAMPLE_SHARE)

    def tree_rss(self) -> int:
        parents: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
        total, todo = 0, [self.root]
        while todo:
            pid = todo.pop()
            todo += parents.get(pid, [])
            total += process_memory(pid)
        return total


def process_memory(pid: int) -> int:
    """The PSS of one process in bytes (its RSS where PSS cannot be read); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def read_all(folder: Path) -> None:
    """Read every file under `folder` (into the page cache)."""
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                with open(os.path.join(root, name), "rb") as file:
                    while file.read(1 << 20):
                        pass
            except OSError:
                pass


def tail(path: Path) -> str:
    data = path.read_bytes()[-TAIL_CHARS:]
    return data.decode("utf-8", "replace").strip()


def run_measured(
    command: list[str],
    *,
    timeout: float = 3600,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    warm: Sequence[Path] = (),
) -> Measurement:
    """Run `command` to completion and measure it; never raises for a failing command.

    Every file under the `warm` folders (the command's input) is read first, unmeasured, so
    the command finds it in the page cache, as a build in CI does right after the checkout
    wrote its files: what is measured is the command, not the disk's cold reads. Then the
    page cache's dirty pages are written out (sync), so the command is not timed while the
    kernel writes back what the steps before it wrote (copying a large site and its output
    makes gigabytes of them)."""
    for folder in warm:
        read_all(folder)
    if hasattr(os, "sync"):
        os.sync()
    with tempfile.TemporaryDirectory(prefix="okrsite-bench-") as tmp:
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.perf_counter()
            try:
                proc = subprocess.Popen(
                    command,
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    cwd=cwd,
                    env=env,
                    start_new_session=True,
                )
            except OSError as e:
                return failed(command, f"cannot start {command[0]}: {e}")
            sampler = TreeSampler(proc.pid)
            sampler.start()
            timed_out = threading.Event()

            def kill() -> None:
                timed_out.set()
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            timer.cancel()
            sampler.stopped.set()
            sampler.join()
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        max_rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
        tree_mb = max(sampler.peak_bytes / 2**20, max_rss_mb) if sampler.works else None
        ok = proc.returncode == 0 and not timed_out.is_set()
        error = ""
        if timed_out.is_set():
            error = f"timed out after {timeout:.0f} s"
        elif not ok:
            error = (
                f"exit code {proc.returncode}: {tail(err_path) or tail(out_path) or '(no output)'}"
            )
        return Measurement(
            command,
            ok,
            proc.returncode,
            wall,
            usage.ru_utime + usage.ru_stime,
            max_rss_mb,
            tree_mb,
            error,
            tail(out_path),
            tail(err_path),
        )
