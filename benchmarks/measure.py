"""Timing whole processes: interleaved runs; wall time, CPU time (user + system, of the process and its
children) and peak memory (max RSS); instruction counts under valgrind when asked (``--instructions``)."""

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
        self.cpu_seconds = []
        self.max_rss_kb = []
        self.instructions = None


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
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def measure(runs, repetitions):
    """Warm each run up once, then time them interleaved ``repetitions`` times."""
    for run in runs:
        measure_once(run)
    for repetition in range(repetitions):
        shift = repetition % len(runs)
        for run in runs[shift:] + runs[:shift]:
            seconds, cpu, rss = measure_once(run)
            run.seconds.append(seconds)
            run.cpu_seconds.append(cpu)
            run.max_rss_kb.append(rss)
    if COUNT_INSTRUCTIONS:
        for run in runs:
            run.instructions = count_instructions(run)
    return {run.label: run for run in runs}


#: Set by run.py's --instructions: count each command's instructions once under valgrind.
COUNT_INSTRUCTIONS = False


def count_instructions(run):
    """Return the instructions one run of the command executes (valgrind's callgrind), or None without valgrind.

    Unlike time, the count does not move with the machine's load.
    """
    import re
    import shutil

    if shutil.which("valgrind") is None:
        return None
    if run.before is not None:
        check(run.before, run.cwd, run.env)
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--trace-children=no"] + run.command
    done = subprocess.run(command, cwd=run.cwd, env=run.env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found else None


def median(run):
    return statistics.median(run.seconds)


def cpu_median(run):
    return statistics.median(run.cpu_seconds)
