"""What a benchmark run reports: one line per scenario, the ratios against their targets, results.json."""

import json
import os
import statistics

from measure import cpu_median, median
from peers import WORK

RESULTS = {}
TARGETS = []


def report(scenario, runs, comparisons):
    """Print one line per scenario: wall and CPU time (median, minimum), memory, instructions, and the
    ratios with their targets. A comparison is ``(ours, peer, target)``, judged on the median wall time,
    or ``(ours, peer, target, "cpu")``, judged on the median CPU time (#21's upgrade targets); the
    other figures (and, for CPU, the median of each repetition's ratio) are printed beside it, since a shared machine's load moves wall time most)."""
    parts = ["%s %.3f s (min %.3f) cpu %.3f s (min %.3f) / %.0f MB%s" % (
        label, median(run), min(run.seconds), cpu_median(run), min(run.cpu_seconds), max(run.max_rss_kb) / 1024,
        " / %.3g instr" % run.instructions if run.instructions else "") for label, run in runs.items()]
    print("%-34s %s" % (scenario, " | ".join(parts)), flush=True)
    RESULTS[scenario] = {label: {"median_s": median(run), "min_s": min(run.seconds), "seconds": run.seconds,
                                 "cpu_median_s": cpu_median(run), "cpu_min_s": min(run.cpu_seconds),
                                 "cpu_seconds": run.cpu_seconds, "instructions": run.instructions,
                                 "max_rss_mb": max(run.max_rss_kb) / 1024} for label, run in runs.items()}
    for ours, peer, target, *judged_on in comparisons:
        ratio = median(runs[ours]) / median(runs[peer])
        cpu_ratio = cpu_median(runs[ours]) / cpu_median(runs[peer])
        cpu_min_ratio = min(runs[ours].cpu_seconds) / min(runs[peer].cpu_seconds)
        # Each repetition runs both within seconds of each other: the median of their ratios cancels what
        # drifts between repetitions (the machine's load), which the ratio of medians does not.
        cpu_paired_ratio = statistics.median(a / b for a, b in zip(runs[ours].cpu_seconds, runs[peer].cpu_seconds))
        on_cpu = judged_on == ["cpu"]
        judged = cpu_ratio if on_cpu else ratio
        min_ratio = min(runs[ours].seconds) / min(runs[peer].seconds)
        counted = runs[ours].instructions and runs[peer].instructions
        instructions = "; instructions %.3fx" % (runs[ours].instructions / runs[peer].instructions) if counted else ""
        verdict = "" if target is None else ("  target <= %.2fx%s: %s" % (
            target, " in CPU" if on_cpu else "", "met" if judged <= target else "MISSED"))
        print("%-34s   %s / %s = %.3fx (min %.3fx; cpu %.3fx, min %.3fx, paired %.3fx%s)%s" % (
            "", ours, peer, ratio, min_ratio, cpu_ratio, cpu_min_ratio, cpu_paired_ratio, instructions, verdict),
            flush=True)
        TARGETS.append({"scenario": scenario, "ours": ours, "peer": peer, "ratio": ratio, "min_ratio": min_ratio,
                        "cpu_ratio": cpu_ratio, "cpu_min_ratio": cpu_min_ratio, "cpu_paired_ratio": cpu_paired_ratio,
                        "target": target, "judged": judged})


def write_results(versions, size):
    """Write every median and ratio to benchmarks/.work/results.json; return (met, with a target)."""
    with open(os.path.join(WORK, "results.json"), "w") as handle:
        json.dump({"versions": versions, "size": size, "results": RESULTS, "targets": TARGETS}, handle, indent=1)
    targeted = [t for t in TARGETS if t["target"] is not None]
    return len([t for t in targeted if t.get("judged", t["ratio"]) <= t["target"]]), len(targeted)
