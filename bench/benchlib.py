"""Small helpers shared by the benchmark scripts: timing commands, medians, max RSS."""
import os
import statistics
import subprocess
import time


def timed(command, stdin=None, shell=False, env=None):
    """Runs a command, returns (seconds, max RSS in MB of the children). Fails loudly."""
    before = os.wait4 if False else None  # noqa: F841 (kept simple: rusage of children below)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               shell=shell, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("benchmark command failed: %s\n%s" % (command, process.stderr.read().decode()))
    return seconds, usage.ru_maxrss / 1024.0


def median(values):
    return statistics.median(values)


def sluice_binary():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("SLUICE", os.path.join(root, "build", "release", "cli", "sluice"))
