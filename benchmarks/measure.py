"""Timing whole processes: interleaved runs, wall time and peak memory (max RSS)."""

import os
import statistics
import subprocess
import sys
import tempfile
import time

from peers import check


class Run:
    """One timed command of a scenario."""

    def __init__(self, label, command, cwd, env, before=None):
        self.label = label
        self.command = command
        self.cwd = cwd
        self.env = env
        self.before = before  # an untimed command that resets state first
        self.seconds = []
        self.max_rss_kb = []


def measure_once(run):
    if run.before is not None:
        check(run.before, run.cwd, run.env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(run.command, cwd=run.cwd, env=run.env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            sys.exit("%s failed (exit %s): %s\n%s" % (run.label, process.returncode, " ".join(run.command),
                                                    err.read().decode(errors="replace")[-2000:]))
    return elapsed, usage.ru_maxrss


def measure(runs, repetitions):
    """Warm each run up once, then time them interleaved ``repetitions`` times."""
    for run in runs:
        measure_once(run)
    for repetition in range(repetitions):
        shift = repetition % len(runs)
        for run in runs[shift:] + runs[:shift]:
            seconds, rss = measure_once(run)
            run.seconds.append(seconds)
            run.max_rss_kb.append(rss)
    return {run.label: run for run in runs}


def median(run):
    return statistics.median(run.seconds)
