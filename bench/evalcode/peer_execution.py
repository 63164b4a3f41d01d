#!/usr/bin/env python3
"""The peer for bench/evalcode: executes completions the way openai/human-eval's execution.py does
(a thread pool of n_workers; per sample one multiprocessing.Process that makes a temp dir, chdirs,
swallows stdio, arms a SIGALRM timer, applies a reliability guard and exec()s the program), written
for this benchmark. Prints {"samples", "passed", "seconds"} as JSON."""
import contextlib, faulthandler, io, json, multiprocessing, os, platform, signal, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor


class TimeoutException(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    def handler(signum, frame):
        raise TimeoutException("timed out")
    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class WriteOnlyStringIO(io.StringIO):
    def read(self, *args, **kwargs):
        raise OSError
    readline = readlines = read

    def readable(self, *args, **kwargs):
        return False


@contextlib.contextmanager
def swallow_io():
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        old_stdin = sys.stdin
        sys.stdin = stream
        try:
            yield
        finally:
            sys.stdin = old_stdin


def reliability_guard(max_bytes=None):
    """Disables destructive functions, as human-eval's guard does (not a security sandbox)."""
    if max_bytes is not None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
        resource.setrlimit(resource.RLIMIT_DATA, (max_bytes, max_bytes))
        if platform.uname().system != "Darwin":
            resource.setrlimit(resource.RLIMIT_STACK, (max_bytes, max_bytes))
    faulthandler.disable()
    import builtins, shutil, subprocess
    builtins.exit = builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ["kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
                 "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
                 "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir"]:
        if hasattr(os, name):
            setattr(os, name, None)
    shutil.rmtree = shutil.move = shutil.chown = None
    subprocess.Popen = None
    for module in ["ipdb", "joblib", "resource", "psutil", "tkinter"]:
        sys.modules[module] = None


def unsafe_execute(program, timeout, result):
    with tempfile.TemporaryDirectory() as dirname:
        cwd = os.getcwd()
        os.chdir(dirname)
        rmtree, rmdir, chdir = __import__("shutil").rmtree, os.rmdir, os.chdir
        reliability_guard()
        try:
            with swallow_io():
                with time_limit(timeout):
                    exec(program, {})
            result.append("passed")
        except TimeoutException:
            result.append("timed out")
        except BaseException as e:
            result.append(f"failed: {e}")
        __import__("shutil").rmtree, os.rmdir, os.chdir = rmtree, rmdir, chdir
        os.chdir(cwd)


def check_correctness(program, timeout):
    manager = multiprocessing.Manager()
    result = manager.list()
    p = multiprocessing.Process(target=unsafe_execute, args=(program, timeout, result))
    p.start()
    p.join(timeout=timeout + 1)
    if p.is_alive():
        p.kill()
    passed = bool(result) and result[0] == "passed"
    manager.shutdown()
    return passed


def main():
    tasks_path, completions_path, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
    tasks = {}
    with open(tasks_path) as f:
        for line in f:
            if line.strip():
                t = json.loads(line)
                tasks[t["task_id"]] = t
    programs = []
    with open(completions_path) as f:
        for line in f:
            if line.strip():
                c = json.loads(line)
                t = tasks[c["task_id"]]
                programs.append(t["prompt"] + c["completion"] + "\n" + t["test"] + "\n" + f"check({t['entry_point']})")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda p: check_correctness(p, timeout), programs))
    seconds = time.perf_counter() - start
    print(json.dumps({"samples": len(programs), "passed": sum(results), "seconds": seconds}))


if __name__ == "__main__":
    main()
