#!/usr/bin/env python3
"""The reliability run (bench/reliability/README.md): five parts, each a table of the
Markdown summary printed on stdout (or written with --summary), and a verdict.

  1 gallery      the misbehaving test plugins in one `plugbench run` with two good ones:
                 each case's recorded status, nothing lost, the good rows equal a run of
                 their own; the plugins refused at load time, one invocation each
  2 kill/resume  SIGKILL of `plugbench run` at seeded random points of a suite, --resume
                 until it completes; the final file must equal an uninterrupted run's
  3 malformed    broken configs, results files and parameter strings against run --config,
                 compare, merge, report and run --param: every one must end with exit
                 0, 1 or 2 (with a message unless 0), never a signal nor a hang
  4 fuzz         tools/fuzz for a bounded time: executions and findings per target
  5 memcheck     the core suite's tests, and the plugbench their scripts run, under
                 valgrind memcheck

Exit status 1 when any part finds a violation, 2 on bad usage. Python 3 standard library
only. `--quick` is the bounded version the slow test suite runs (parts 1-3, smaller).
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBLEM = "sphere-d5-i1"


class Run:
    """Shared state: the build's paths, the work directory, the violations found."""

    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.pb = os.path.join(self.build, "framework", "plugbench")
        self.testplugins = os.path.join(self.build, "tests", "isolation")
        self.plugins = os.path.join(self.build, "plugins")
        self.work = args.work
        self.args = args
        self.violations = []
        self.sections = []

    def so(self, name):
        """The path of a test plugin (bad-*, good-params) or a plugin of the build."""
        path = os.path.join(self.testplugins, name + ".so")
        return path if os.path.exists(path) else os.path.join(self.plugins, name + ".so")

    def fail(self, part, what):
        self.violations.append(f"{part}: {what}")
        print(f"VIOLATION {part}: {what}", file=sys.stderr, flush=True)


def fresh_dir(R, name):
    """An empty directory NAME under the work directory (a --work kept from before
    holds the last run's files, which --resume would read)."""
    d = os.path.join(R.work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def sh(cmd, timeout=None, **kw):
    """Runs cmd (a list), returns (exit code or -signal, stdout, stderr); None on timeout."""
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return None, b"", b""
    return p.returncode, p.stdout, p.stderr


def load_runs(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["runs"]


def key(r):
    return (r["plugin"]["name"], r["problem"]["id"], r["seed"])


def strip_times(r):
    """A record without what differs between two runs of the same seed: times, paths."""
    r = json.loads(json.dumps(r))
    r.pop("time", None)
    r["trace"].pop("seconds", None)
    r["plugin"].pop("path", None)
    return r


def md_escape(s):
    return (s or "").replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------
# 1. The hostile gallery.

# Run-time misbehaviour: (plugin, status, signal, a word of the message or output, what it
# does). The expectations are the isolation guarantees of README.md's Isolation section.
GALLERY = [
    ("bad-segv", "crashed", 11, None, "writes through NULL on the 3rd step"),
    ("bad-abort", "crashed", 6, None, "abort() in step()"),
    ("bad-loop", "timeout", None, None, "never returns from step()"),
    ("bad-memory", "error", None, "memory", "allocates until malloc fails (--memory 256)"),
    ("bad-nonfinite", "nonfinite", None, None, "its solution is NaN from the 5th step"),
    ("bad-noisy", "ok", None, "on stderr", "prints to stdout and stderr each step"),
    ("bad-exit", "error", None, "exited with status 3", "exit(3) in step()"),
    ("bad-create", "error", None, "refuses every problem", "create() refuses"),
    ("bad-stepfail", "error", None, "step 2 fails on purpose", "step() fails on the 2nd step"),
    ("bad-peek", "error", None, "solution() called an oracle", "solution() evaluates"),
    ("bad-kill0", "crashed", 2, None, "kill(0, SIGINT): its whole process group"),
    ("bad-grandchild", "ok", None, "grandchild", "forks a grandchild that sleeps"),
    ("bad-setsid", "ok", None, "grandchild", "the same, in a session of its own"),
    # As root RLIMIT_NPROC does not bind (README.md), and 600 forks on a loaded machine can
    # take past the 20 s limit: either way the run is recorded and its children killed.
    ("bad-forkbomb", "ok|timeout", None, "forked", "forks up to 600 sleeping children"),
    ("bad-fds", "ok", None, "pipes", "lists the descriptors it could write to"),
    ("bad-nondet", "ok", None, None, "its solution depends on its pid from step 5"),
    ("bad-badmsg", "error", None, "red", "an error message of escapes and invalid UTF-8"),
    ("bad-flood", "error", None, "more trace points than checkpoints",
     "writes 20000 trace points into the harness's pipe"),
    ("bad-forge-cost", "error", None, "cost, iterations or time decrease",
     "forges a falling cost and a perfect outcome"),
    ("bad-forge-status", "error", None, "an unknown final status",
     "forges an outcome of a status no run has"),
    # "oom": error where the runs have memory cgroups (context.memory_limit), else ok: memfd
    # pages bypass RLIMIT_AS (README.md, Isolation).
    ("bad-memfd", "oom", None, "out of memory", "writes 512 MiB into a memfd (--memory 256)"),
    ("bad-hostctor", "ok", None, None, "aborts if loaded into the plugbench process"),
    ("bad-dtor", "ok", None, None, "aborts when unloaded or its process exits"),
]
GOOD = ["random-search", "good-params"]

# Refused at load time: `run -a` must exit 2 with one line naming the file, write nothing.
REFUSED = [
    ("bad-abi-major", "built for the next major ABI"),
    ("bad-abi-minor", "built for a newer minor ABI"),
    ("bad-noentry", "no entry symbol"),
    ("bad-kind", "a kind no host knows"),
    ("bad-param", "a default outside its range"),
    ("bad-ctor", "aborts while being loaded"),
    ("bad-ctor-exit", "exit(0) while being loaded"),
    ("bad-entry-exit", "exit(0) in the entry function"),
    ("bad-nparams", "n_params one past the array"),
    ("bad-name-pointer", "the name is a bad pointer"),
    ("bad-ctor-hang", "sleeps for ever while being loaded"),
    ("bad-badtext", "a version that is not UTF-8"),
    ("bad-notso", "a text file named .so"),
]


def gallery(R):
    part = "gallery"
    seeds = [1, 2]
    work = fresh_dir(R, "gallery")
    common = ["-p", PROBLEM, "-s", ",".join(map(str, seeds)), "--max-evals", "200",
              "--timeout", "20", "--memory", "256", "-j", "2", "-q", "--no-plots"]
    names = [c[0] for c in GALLERY] + GOOD
    out = os.path.join(work, "hostile.json")
    cmd = [R.pb, "run"] + sum((["-a", R.so(n)] for n in names), []) + common + ["-o", out]
    # bad-hostctor aborts when loaded into the process whose pid is PB_TEST_HOST_PID: make it
    # plugbench's own (exec keeps the pid), which must never load a plugin.
    t0 = time.monotonic()
    rc, _, err = sh(["bash", "-c", 'PB_TEST_HOST_PID=$$ exec "$0" "$@"'] + cmd, timeout=300)
    seconds = time.monotonic() - t0
    if rc != 0:
        R.fail(part, f"the hostile suite exited {rc}: {err.decode(errors='replace')[-400:]}")
        return
    runs = load_runs(out)
    with open(out, encoding="utf-8") as f:
        memcg = json.load(f)["context"].get("memory_limit", "").startswith("memory cgroup")
    alone = os.path.join(work, "good.json")
    rc2, _, err2 = sh([R.pb, "run"] + sum((["-a", R.so(n)] for n in GOOD), []) + common +
                      ["-o", alone], timeout=120)
    if rc2 != 0:
        R.fail(part, f"the good plugins' own run exited {rc2}: {err2.decode(errors='replace')}")
        return
    by = {}
    for r in runs:
        by.setdefault((r["plugin"]["name"], r["seed"]), []).append(r)
    expected = {(n, s) for n in names for s in seeds}
    lost = sorted(expected - set(by))
    extra = sorted(set(by) - expected)
    dup = sorted(k for k, v in by.items() if len(v) > 1)
    for what, ks in (("lost", lost), ("not of the suite", extra), ("recorded twice", dup)):
        if ks:
            R.fail(part, f"records {what}: {ks}")
    rows = []
    for name, status, sig, word, does in GALLERY:
        if status == "oom":
            status = "error" if memcg else "ok"
        got = by.get((name, seeds[0]), [None])[0]
        if got is None:
            continue
        # status may list alternatives ("ok|timeout"); the word is the first one's.
        text = (got.get("message") or "") + " " + (got.get("output") or "")
        ok = all(by.get((name, s), [{}])[0].get("status") in status.split("|") for s in seeds)
        ok = ok and (sig is None or got.get("signal") == sig) and \
            (word is None or word in text or got["status"] != status.split("|")[0])
        if not ok:
            got_all = [(s, by.get((name, s), [{}])[0].get("status")) for s in seeds]
            R.fail(part, f"{name}: (seed, status) {got_all}, signal {got.get('signal')}, "
                         f"message {got.get('message')!r}: want {status} {sig or ''} {word or ''}")
        shown = got.get("message") or (got.get("output") or "")[:60]
        rows.append((name, does, got["status"] + (f" (signal {got['signal']})"
                                                  if got.get("signal") else ""),
                     shown, "yes" if ok else "**no**"))
    own = {key(r): strip_times(r) for r in load_runs(alone)}
    good_equal = 0
    for r in runs:
        if r["plugin"]["name"] in GOOD:
            if strip_times(r) == own.get(key(r)) and r["status"] == "ok":
                good_equal += 1
            else:
                R.fail(part, f"{key(r)}: the good plugin's record differs from its own run's")
    if good_equal != len(GOOD) * len(seeds):
        R.fail(part, f"{good_equal} good records equal their own run's, want "
                     f"{len(GOOD) * len(seeds)}")

    # The load-time refusals, two at a time (bad-ctor-hang takes the probe's 10 s).
    def refuse(case):
        name, does = case
        o = os.path.join(work, name + ".json")
        rc, _, err = sh([R.pb, "run", "-a", R.so(name), "-p", PROBLEM, "-s", "1",
                         "--max-evals", "20", "-q", "--no-plots", "-o", o], timeout=60)
        lines = err.decode(errors="replace").strip().splitlines()
        ok = rc == 2 and len(lines) == 1 and R.so(name) in lines[0] and not os.path.exists(o)
        return name, does, rc, lines, ok

    refused = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for name, does, code, lines, ok in pool.map(refuse, REFUSED):
            if not ok:
                R.fail(part, f"run -a {name}.so: exit {code}, stderr {lines}: want exit 2, "
                             "one line naming the file, no results file")
            msg = lines[0].replace(R.so(name), name + ".so") if lines else ""
            refused.append((name, does, f"exit {code}", msg, "yes" if ok else "**no**"))

    out_md = [f"One `plugbench run` of {len(GALLERY)} misbehaving plugins and {len(GOOD)} good "
              f"ones ({', '.join(GOOD)}), seeds {seeds[0]}-{seeds[-1]}, {PROBLEM}, "
              f"`--max-evals 200 --timeout 20 --memory 256 -j 2`: exit {rc}, {len(runs)} records "
              f"of {len(expected)} expected ({len(lost)} lost, {len(dup)} twice, {len(extra)} "
              f"foreign), {seconds:.1f} s. The {len(GOOD) * len(seeds)} good records equal "
              f"those of a run of the good plugins alone (times aside): {good_equal} of "
              f"{len(GOOD) * len(seeds)}.", "",
              "| plugin | what it does | recorded status | message or output (seed 1) "
              "| as expected |",
              "|---|---|---|---|---|"]
    out_md += [f"| {a} | {b} | {c} | {md_escape(d)[:110]} | {e} |" for a, b, c, d, e in rows]
    out_md += ["", f"Refused at load time, `plugbench run -a <plugin>.so` each ({len(REFUSED)} "
               "cases): exit 2, one line naming the file, no results file written.", "",
               "| plugin | what it does | exit | the line | as expected |", "|---|---|---|---|---|"]
    out_md += [f"| {a} | {b} | {c} | {md_escape(d)[:140]} | {e} |" for a, b, c, d, e in refused]
    R.sections.append(("1. Hostile plugins", out_md))
    R.figures["gallery"] = (f"{len(GALLERY)} misbehaving + {len(GOOD)} good plugins in one "
                            f"suite, {len(runs)}/{len(expected)} records, "
                            f"{sum(r[4] == 'yes' for r in rows)}/{len(rows)} as expected; "
                            f"{sum(r[4] == 'yes' for r in refused)}/{len(refused)} refused "
                            "at load time with one line")


# ---------------------------------------------------------------------------------------
# 2. Kill and resume.

def journal_state(path):
    """(whole records, torn lines) of a journal: a line that is cut or not JSON is torn."""
    if not os.path.exists(path):
        return 0, 0
    with open(path, "rb") as f:
        data = f.read()
    whole = torn = 0
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            json.loads(line)
            whole += 1
        except ValueError:
            torn += 1
    return whole, torn


def kill_resume(R):
    part = "kill/resume"
    a = R.args
    work = fresh_dir(R, "killresume")
    config = os.path.join(SRC, "bench", "reliability", "killresume.json")
    seeds = ["-s", f"1-{a.seeds}"]
    base = [R.pb, "run", "-c", config] + seeds + ["-q", "--no-plots"]
    ref = os.path.join(work, "ref.json")
    t0 = time.monotonic()
    rc, _, err = sh(base + ["-o", ref], timeout=600)
    t_ref = time.monotonic() - t0
    if rc != 0:
        R.fail(part, f"the uninterrupted run exited {rc}: {err.decode(errors='replace')}")
        return
    total = len(load_runs(ref))
    out = os.path.join(work, "killed.json")
    journal = out + ".journal"
    # The kill points: N seeded record counts of the suite, in order; each invocation is
    # killed a seeded 0-50 ms after its journal holds that many records (during the start,
    # for counts it already holds), so kills fall all along the suite and at random phases
    # of a run's recording.
    rng = random.Random(a.kill_seed)
    targets = sorted(rng.randrange(total) for _ in range(a.kills))
    kills = resumes = torn_seen = torn_skipped = 0
    at_kill = []
    complete = False
    attempts = 0
    while not complete and attempts <= a.kills:
        attempts += 1
        cmd = base + ["-o", out] + (["--resume"] if attempts > 1 else [])
        resumes += attempts > 1
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kills < a.kills:
            deadline = time.monotonic() + 600
            while p.poll() is None and journal_state(journal)[0] < targets[kills] and \
                    time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.05))
        if p.poll() is None and kills < a.kills:
            p.send_signal(signal.SIGKILL)
            _, err = p.communicate()
            kills += 1
            whole, torn = journal_state(journal)
            at_kill.append(str(whole) if os.path.exists(journal) else
                           ("final" if os.path.exists(out) else "0"))
            torn_seen += torn
            # A results file present after a kill was renamed into place whole.
            if os.path.exists(out):
                try:
                    load_runs(out)
                except (ValueError, KeyError) as e:
                    R.fail(part, f"after kill {kills} the results file is not whole: {e}")
        else:
            try:
                _, err = p.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                R.fail(part, f"attempt {attempts} did not finish in 600 s")
                return
            if p.returncode != 0:
                R.fail(part, f"attempt {attempts} exited {p.returncode}: "
                             f"{err.decode(errors='replace')}")
                return
            complete = True
        m = re.search(rb"skipped (\d+) torn line", err or b"")
        torn_skipped += int(m.group(1)) if m else 0
    if not complete:
        R.fail(part, f"not complete after {attempts} attempts")
        return
    final = load_runs(out)
    keys = [key(r) for r in final]
    dups = len(keys) - len(set(keys))
    rc, cmp_out, _ = sh([R.pb, "compare", "--metrics", "quality,target", ref, out], timeout=120)
    cmp_text = cmp_out.decode(errors="replace")
    identical = rc == 0 and "identical" in cmp_text
    ref_runs = {key(r): strip_times(r) for r in load_runs(ref)}
    differ = sum(strip_times(r) != ref_runs.get(key(r)) for r in final)
    verdict = (identical and len(final) == total and dups == 0 and differ == 0
               and not os.path.exists(journal))
    if not verdict:
        R.fail(part, f"final: {len(final)} records of {total}, {dups} duplicates, {differ} "
                     f"differ from the uninterrupted run's, compare exit {rc}: "
                     f"{cmp_text.strip().splitlines()[-1:]}, journal left: "
                     f"{os.path.exists(journal)}")
    cmp_line = next((l for l in cmp_text.splitlines() if "identical" in l), cmp_text[-200:])
    md = [f"The suite of `bench/reliability/killresume.json` with `-s 1-{a.seeds}` ({total} "
          f"runs: random-search and cbo on sphere-d2-i1 and rastrigin-d2-i1, -j 2), "
          f"uninterrupted in {t_ref:.1f} s; then `plugbench run` killed with SIGKILL at "
          f"{a.kills} seeded random points (`--kill-seed {a.kill_seed}`: a record count "
          "drawn uniformly, the kill 0-50 ms after the journal holds that many) and "
          "restarted with `--resume` each time until it completed.", "",
          "| kills | resumes | records in the journal at each kill | torn lines seen / "
          "skipped by --resume | final records | duplicates | differ from the "
          "uninterrupted run (times aside) | compare | verdict |",
          "|--:|--:|---|---|--:|--:|--:|---|---|",
          f"| {kills} | {resumes} | {', '.join(map(str, at_kill))} | {torn_seen} / "
          f"{torn_skipped} | {len(final)} of {total} | {dups} | {differ} | "
          f"{md_escape(cmp_line.strip())} | {'exact' if verdict else '**not exact**'} |"]
    if kills < a.kills:
        md += ["", f"The suite completed before the {a.kills}th kill ({kills} kills made)."]
    R.sections.append(("2. SIGKILL and --resume", md))
    R.figures["killresume"] = (f"{kills} kills, {resumes} resumes of a {total}-run suite, "
                               f"{torn_seen} torn lines; final file "
                               f"{'identical' if verdict else 'NOT identical'}, "
                               f"{len(final)} records, {dups} duplicates")
    R.results_file = ref


# ---------------------------------------------------------------------------------------
# 3. Malformed inputs.

HUGE = [b"1e999", b"-1e999", b"99999999999999999999999", b"1e-400", b"-0",
        b"18446744073709551616", b"9223372036854775808", b"NaN", b"Infinity", b"0x10",
        b"1" * 400, b'"12"', b"null", b"[]", b"{}", b"true"]
BAD_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x00",
            b"\x1b[31m", b"\\ud800"]


def mutations(data, rng, n):
    """n seeded mutations of data (bytes): cuts, bit flips, huge or odd numbers, invalid
    UTF-8 in strings, a key twice, deep nesting, and a few fixed ones."""
    out = [(b"", "empty"), (b" \n\t", "whitespace"), (data + data, "twice"),
           (data.replace(b"\n", b"\r\n"), "CRLF"), (b"\xef\xbb\xbf" + data, "BOM"),
           (b"[" * 100000 + b"]" * 100000, "nested 10^5 arrays"),
           (b'{"a":' * 50000 + b"1" + b"}" * 50000, "nested 5*10^4 objects")]
    nums = [m.span() for m in re.finditer(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?", data)]
    strs = [m.span() for m in re.finditer(rb'"[^"\\]*"', data)]
    keys = [m.span() for m in re.finditer(rb'"[^"\\]*"\s*:', data)]
    kinds = ["cut", "flip", "number", "utf8", "dupkey", "nest", "swap"]
    while len(out) < n:
        k = kinds[len(out) % len(kinds)]
        d = bytearray(data)
        if k == "cut" and data:
            at = rng.randrange(len(data))
            out.append((bytes(d[:at]), f"cut at {at}"))
        elif k == "flip" and data:
            flips = rng.randint(1, 8)
            for _ in range(flips):
                i = rng.randrange(len(d))
                d[i] ^= 1 << rng.randrange(8)
            out.append((bytes(d), f"{flips} bits flipped"))
        elif k == "number" and nums:
            s, e = rng.choice(nums)
            v = rng.choice(HUGE)
            out.append((data[:s] + v + data[e:], f"number at {s} -> {v[:20]!r}"))
        elif k == "utf8" and strs:
            s, e = rng.choice(strs)
            at = rng.randint(s + 1, e - 1)
            v = rng.choice(BAD_UTF8)
            out.append((data[:at] + v + data[at:], f"{v!r} in a string at {at}"))
        elif k == "dupkey" and keys:
            s, e = rng.choice(keys)
            # The key again, with a value, just before itself: "k": 1, "k": ...
            out.append((data[:s] + data[s:e] + b" 1, " + data[s:], f"key at {s} twice"))
        elif k == "nest" and nums:
            s, e = rng.choice(nums)
            depth = rng.choice([100, 1000, 10000])
            out.append((data[:s] + b"[" * depth + data[s:e] + b"]" * depth + data[e:],
                        f"value at {s} nested {depth} deep"))
        elif k == "swap" and strs:
            s, e = rng.choice(strs + nums)
            v = rng.choice([b"null", b"[]", b"{}", b"true", b'"x"', b'""', b"-1"])
            out.append((data[:s] + v + data[e:], f"value at {s} -> {v!r}"))
        else:
            out.append((data[: len(data) // 2], "half"))
    return out[:n]


PARAM_STRINGS = [b"", b"=", b".", b"good-params", b"good-params.", b"good-params.=1",
                 b".batch=1", b"good-params.batch", b"good-params.batch=", b"good-params.batch==1",
                 b"good-params..batch=1", b"good-params.batch=1=2", b"nope.batch=1",
                 b"good-params.nope=1", b"GOOD-PARAMS.batch=1", b"good-params.batch= 1",
                 b"good-params.batch=1 ", b"good-params.batch=+1", b"good-params.batch=1.0",
                 b"good-params.batch=1e1", b"good-params.batch=0x10", b"good-params.batch=010",
                 b"good-params.batch=0", b"good-params.batch=101", b"good-params.batch=-1",
                 b"good-params.batch=99999999999999999999",
                 b"good-params.batch=9223372036854775808",
                 b"good-params.step=nan", b"good-params.step=inf", b"good-params.step=-inf",
                 b"good-params.step=1e999", b"good-params.step=1e-400", b"good-params.step=-0",
                 b"good-params.step=.", b"good-params.step=1.", b"good-params.step=..5",
                 b"good-params.step=0,5", b"good-params.step=\xff", b"good-params.verbose=yes",
                 b"good-params.verbose=TRUE", b"good-params.verbose=2", b"good-params.mode=a|b",
                 b"good-params.mode=", b"good-params.mode=d", b"good-params.mode=\xc3\x28",
                 b"good-params.\xff=1", b"good-params.mode=" + b"a" * 100000,
                 b"good-params." + b"b" * 100000 + b"=1", b"good-params.batch=1\nx"]
BASE_PARAMS = [b"good-params.step=0.25", b"good-params.batch=10", b"good-params.verbose=true",
               b"good-params.mode=b"]
# Flags given malformed or out-of-range values (none valid and long-running).
FLAG_VALUES = {"-s": [b"", b"-", b"1-", b"-5", b"5-1", b"1,,2", b"1e3", b"0x1", b"a",
                      b"1-2-3", b"\xff", b"1-99999999999999999999", b"18446744073709551616"],
               "--max-evals": [b"0", b"-1", b"1e999", b"99999999999999999999", b"1.5", b"",
                               b"x", b"0x10", b"nan"],
               "--timeout": [b"-1", b"nan", b"inf", b"1e999", b"", b"0x10"],
               "--memory": [b"0", b"-5", b"1e999", b"99999999999999999999", b"x"],
               "-j": [b"0", b"-1", b"99999999999999999999", b"1.5", b""],
               "--shard": [b"0/2", b"3/2", b"1/0", b"/", b"1/", b"a/b", b"1/2/3", b"-1/2"],
               "--target": [b"nan", b"x", b"1e999", b""]}


def malformed(R):
    part = "malformed"
    a = R.args
    rng = random.Random(a.mutation_seed)
    work = fresh_dir(R, "malformed")
    corpus = os.path.join(SRC, "tests", "fuzz", "corpus")

    def read(p):
        with open(p, "rb") as f:
            return f.read()

    configs = [read(os.path.join(corpus, "run_config", f))
               for f in sorted(os.listdir(os.path.join(corpus, "run_config")))]
    results = [read(os.path.join(corpus, "compare", f)) for f in
               ("results-3-runs.json", "journal.jsonl", "bad-name.json")]
    good_results = os.path.join(corpus, "compare", "results-3-runs.json")
    per = a.mutations
    rs = R.so("random-search")
    tiny = ["-a", rs, "-p", "sphere-d2-i1", "-s", "1", "--max-evals", "10", "-q", "--no-plots"]
    cases = []  # (target, description, argv builder taking a fresh directory)
    for i, base in enumerate(configs):
        for data, how in mutations(base, rng, per):
            cases.append(("run --config", f"config {i}: {how}", data,
                          lambda d, f: [R.pb, "run", "-c", f] + tiny + ["-o", d + "/o.json"]))
    for i, base in enumerate(results):
        for j, (data, how) in enumerate(mutations(base, rng, per)):
            desc = f"results {i}: {how}"
            cases.append(("compare", desc, data,
                          lambda d, f: [R.pb, "compare", good_results, f]))
            cases.append(("merge", desc, data,
                          lambda d, f: [R.pb, "merge", "-o", d + "/m.json", f]))
            if j % a.report_every == 0:
                cases.append(("report", desc, data,
                              lambda d, f: [R.pb, "report", f, "-o", d + "/report"]))
    gp = R.so("good-params")
    ptiny = ["-a", gp, "-p", "sphere-d2-i1", "-s", "1", "--max-evals", "10", "-q", "--no-plots"]
    params = list(PARAM_STRINGS)
    for line in (read(os.path.join(corpus, "params", f)).splitlines()
                 for f in sorted(os.listdir(os.path.join(corpus, "params")))):
        params += [b"good-params." + l for l in line]
    for base in BASE_PARAMS:
        params += [m for m, _ in mutations(base, rng, per // 4 + 1)]
    for s in params:
        if b"\x00" in s:
            continue  # an argument cannot hold NUL
        s = s[:100000]  # nor more than 128 KiB (MAX_ARG_STRLEN)
        cases.append(("run --param", repr(s[:60]), None,
                      lambda d, f, s=s: [R.pb, "run"] + ptiny + ["-P", s, "-o", d + "/o.json"]))
    for flag, values in FLAG_VALUES.items():
        for v in values:
            args = list(tiny)
            if flag in args:
                i = args.index(flag)
                args = args[:i] + args[i + 2:]
            cases.append(("run flags", f"{flag} {v!r}", None,
                          lambda d, f, flag=flag, v=v, args=args:
                          [R.pb, "run"] + args + [flag, v, "-o", d + "/o.json"]))

    def one(i_case):
        i, (target, desc, data, argv) = i_case
        d = os.path.join(work, str(i))
        os.makedirs(d, exist_ok=True)
        f = os.path.join(d, "input")
        if data is not None:
            with open(f, "wb") as fh:
                fh.write(data)
        t0 = time.monotonic()
        rc, _, err = sh(argv(d, f), timeout=a.input_timeout, cwd=d)
        secs = time.monotonic() - t0
        shutil.rmtree(d, ignore_errors=True)
        return target, desc, rc, err, secs

    tally = {}
    accepted = []  # flag values that ran
    slowest = (0, "")
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for target, desc, rc, err, secs in pool.map(one, enumerate(cases)):
            t = tally.setdefault(target, {"n": 0, 0: 0, 1: 0, 2: 0, "bad": 0})
            t["n"] += 1
            slowest = max(slowest, (secs, f"{target} {desc}"))
            if rc in (0, 1, 2) and (rc == 0 or err.strip()):
                t[rc] += 1
                if rc == 0 and target == "run flags":
                    accepted.append(desc)
                continue
            t["bad"] += 1
            why = "a hang (killed after %d s)" % a.input_timeout if rc is None else \
                f"signal {-rc}" if rc < 0 else f"exit {rc}" if rc not in (0, 1, 2) else \
                f"exit {rc} without a message"
            R.fail(part, f"{target} {desc}: {why}: {err.decode(errors='replace')[-300:]}")
    secs = time.monotonic() - t0
    md = [f"{len(cases)} inputs (`--mutation-seed {a.mutation_seed}`, {per} mutations per "
          "base input: cuts, bit flips, huge and odd numbers, invalid UTF-8 and control "
          "bytes in strings, a key given twice, values nested 100 to 10^4 deep, whole files "
          "nested 10^5 deep, empty, CRLF, BOM; the base inputs are the seed corpus of "
          "tests/fuzz/corpus; parameter strings hand-written and mutated; flags given "
          f"malformed values), each with a {a.input_timeout} s limit, in {secs:.0f} s "
          f"(slowest {slowest[0]:.1f} s: {md_escape(slowest[1])[:80]}).", "",
          "| command | inputs | exit 0 | exit 1 | exit 2 (with a message) | signal, hang, "
          "other exit, or no message |", "|---|--:|--:|--:|--:|--:|"]
    for target, t in tally.items():
        md.append(f"| `{target}` | {t['n']} | {t[0]} | {t[1]} | {t[2]} | {t['bad']} |")
    if accepted:
        md += ["", "Flag values accepted (exit 0): " + ", ".join(f"`{md_escape(x)}`"
                                                              for x in accepted) + "."]
    R.sections.append(("3. Malformed inputs", md))
    bad = sum(t["bad"] for t in tally.values())
    R.figures["malformed"] = (f"{len(cases)} malformed inputs to 5 commands: {bad} ended by "
                              "a signal, a hang or without a message")


# ---------------------------------------------------------------------------------------
# 4. The fuzzers.

def fuzz(R):
    part = "fuzz"
    a = R.args
    if shutil.which("clang") is None:
        R.sections.append(("4. Fuzzers", ["clang is not installed: the fuzzers were not run "
                                          "(`tools/deps clang libclang-rt-14-dev`)."]))
        R.figures["fuzz"] = "not run: clang is not installed"
        return
    t0 = time.monotonic()
    rc, out, _ = sh([os.path.join(SRC, "tools", "fuzz"), str(a.fuzz_seconds), a.fuzz_build],
                    cwd=SRC)
    secs = time.monotonic() - t0
    text = out.decode(errors="replace")
    rows = re.findall(r"^fuzz (\S+): Done (\d+) runs in (\d+) second.*exit (\d+)$", text, re.M)
    if rc != 0 or not rows:
        R.fail(part, f"tools/fuzz exited {rc}: {text[-600:]}")
    md = [f"`tools/fuzz {a.fuzz_seconds} {a.fuzz_build}` (clang, ASan and UBSan, libFuzzer "
          f"`-seed=1`, from the seed corpus of tests/fuzz/corpus): {secs:.0f} s with the build.",
          "", "| target | executions | seconds | executions/s | findings |",
          "|---|--:|--:|--:|--:|"]
    total = 0
    for t, n, s, code in rows:
        total += int(n)
        md.append(f"| fuzz_{t} | {int(n):,} | {s} | {int(n) / max(int(s), 1):,.0f} | "
                  f"{0 if code == '0' else '**1**'} |")
    R.sections.append(("4. Fuzzers", md))
    R.figures["fuzz"] = (f"{total:,} executions over {len(rows)} targets, "
                         f"{a.fuzz_seconds} s each: {sum(c != '0' for *_, c in rows)} findings")


# ---------------------------------------------------------------------------------------
# 5. valgrind memcheck.

VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
            "--track-fds=no", "--quiet",
            "--suppressions=" + os.path.join(SRC, "bench", "reliability", "memcheck.supp")]
# Core tests that cannot run under valgrind, and why: none since the install test takes a
# wrapper for its installed plugbench and oracle-instructions' loops run under memcheck.
NOT_UNDER_VALGRIND = {}
# What memcheck prints for an error or a definite leak, in any process it follows.
MEMCHECK_ERROR = re.compile(r"^==\d+== (Invalid |Conditional jump|Use of uninitialised|"
                            r"Syscall param|Mismatched free|Source and destination overlap|"
                            r".*definitely lost in)", re.M)
# The install test runs the plugbench it installs through the command this names, if set.
INSTALLED_WRAPPER_ENV = "PLUGBENCH_TEST_WRAPPER"


def decimal(text):
    """text as a number when it is a plain decimal (as plugbench reads --timeout), else None:
    a test's deliberately bad value stays as it is."""
    return float(text) if re.fullmatch(r"\d+(\.\d*)?|\.\d+", text) else None


def run_default_limit(args):
    """The wall-clock limit per run that `plugbench run args` takes without --timeout
    (run_timeout in framework/cli/cmd_run.c): its config's timeout, else 2 x max-seconds +
    10, else 600 s; a flag overrides the config's value."""
    config, max_seconds = {}, None
    for i, arg in enumerate(args):
        value = arg.split("=", 1)[1] if "=" in arg else args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-c", "--config") or arg.startswith("--config="):
            try:
                with open(value) as f:
                    config = json.load(f)
            except (OSError, ValueError):
                config = {}
            config = config if isinstance(config, dict) else {}
        elif arg == "--max-seconds" or arg.startswith("--max-seconds="):
            max_seconds = decimal(value)
    number = lambda v: v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if (number(config.get("timeout")) or 0) > 0:
        return config["timeout"]
    if max_seconds is None:
        max_seconds = number(config.get("max_seconds"))
    return 2 * max_seconds + 10 if max_seconds else 600


def scaled_limits(multiplier, exe, args):
    """plugbench's arguments with the wall-clock limit per run of `run` and `check`
    multiplied, as meson multiplies the test's: both are set for native speed. An explicit
    --timeout is multiplied; without one, plugbench's default (check: 60 s) multiplied is
    passed. Other executables and commands are left as they are."""
    if not os.path.basename(exe).startswith("plugbench") or args[:1] not in (["run"], ["check"]):
        return args
    args = list(args)
    for i, arg in enumerate(args):
        if arg == "--timeout" and i + 1 < len(args) and decimal(args[i + 1]) is not None:
            args[i + 1] = f"{decimal(args[i + 1]) * multiplier:.15g}"
            return args
        if arg.startswith("--timeout=") and decimal(arg[10:]) is not None:
            args[i] = f"--timeout={decimal(arg[10:]) * multiplier:.15g}"
            return args
        if arg == "--timeout" or arg.startswith("--timeout="):
            return args  # a value plugbench refuses: the test checks that refusal
    limit = 60 if args[0] == "check" else run_default_limit(args)
    return args + ["--timeout", f"{limit * multiplier:.15g}"]


def memcheck_plugbench(valgrind, multiplier, logs, cmd):
    """`reliability.py --memcheck-plugbench VALGRIND MULTIPLIER LOGS EXE ARG...`, what the
    scripts made by memcheck_exec run: EXE under valgrind (by its path: a test may run
    plugbench with a PATH or an environment of its own), its run limits scaled, logging to
    LOGS."""
    os.execv(valgrind, [valgrind] + VALGRIND[1:] + [f"--log-file={logs}/valgrind.%p.log", cmd[0]] +
             scaled_limits(multiplier, cmd[0], cmd[1:]))


def oracle_loops(cmd):
    """The runs that `harness_overhead --callgrind` (oracle-instructions) starts under
    callgrind, one `--only` loop per variant and problem with its --evals: the same
    workload, for memcheck instead (valgrind cannot run inside valgrind). Its bound on
    instructions is callgrind's to check, not memcheck's."""
    problems = [cmd[i + 1] for i, a in enumerate(cmd[:-1]) if a == "--problem"]
    evals = [cmd[i + 1] for i, a in enumerate(cmd[:-1]) if a == "--evals"]
    return [[cmd[0], "--only", variant, "--problem", p] + (["--evals", evals[-1]] if evals else [])
            for p in problems or ["sphere-d2-i1", "sphere-d10-i1"] for variant in ("counted", "direct")]


def memcheck_exec(multiplier, cmd):
    """meson test's --wrap in the memcheck part (`reliability.py --memcheck-exec MULTIPLIER
    TEST...`): runs one core test with its plugbench processes under valgrind memcheck,
    `run`'s and `check`'s per-run time limits multiplied by MULTIPLIER (scaled_limits), as
    meson multiplies the test's. A compiled test runs under valgrind itself (for
    oracle-instructions: the loops it would run under callgrind, see oracle_loops). A
    script runs as it is (valgrind would check bash), with each executable it is given as
    an argument (plugbench) replaced by a script of the same name that runs it under
    valgrind, and $PLUGBENCH_TEST_WRAPPER naming a script that runs the executable given
    to it so (the install test's installed plugbench). Their logs go to files in a
    directory made beside the first executable (in the build), else in the temporary
    directory: they are printed on stderr after the test, where the summary looks for
    memcheck's errors."""
    with open(cmd[0], "rb") as f:
        elf = f.read(4) == b"\x7fELF"
    if elf and os.path.basename(cmd[0]) == "harness_overhead" and "--callgrind" in cmd:
        rcs = [subprocess.call(VALGRIND + loop) for loop in oracle_loops(cmd)]
        return next((rc for rc in rcs if rc != 0), 0)
    if elf:
        os.execvp(VALGRIND[0], VALGRIND + [cmd[0]] + scaled_limits(multiplier, cmd[0], cmd[1:]))
    exes = []
    for i, arg in enumerate(cmd[1:], 1):
        if arg.endswith(".so") or not (os.path.isfile(arg) and os.access(arg, os.X_OK)):
            continue
        with open(arg, "rb") as f:
            if f.read(4) == b"\x7fELF":
                exes.append(i)
    logs = tempfile.mkdtemp(prefix="memcheck-", dir=os.path.dirname(os.path.abspath(
        cmd[exes[0]])) if exes else None)

    def script(path, line):
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + line + "\n")
        os.chmod(path, 0o755)
        return path

    any_exe = script(os.path.join(logs, "under-valgrind"),
                     f"exec {sys.executable} {os.path.abspath(__file__)} --memcheck-plugbench "
                     f"{shutil.which(VALGRIND[0])} {multiplier} {logs} \"$@\"")
    for i in exes:
        cmd[i] = script(os.path.join(logs, os.path.basename(cmd[i])),
                        f"exec {any_exe} {os.path.abspath(cmd[i])} \"$@\"")
    rc = subprocess.call(cmd, env=dict(os.environ, **{INSTALLED_WRAPPER_ENV: any_exe}))
    for name in sorted(os.listdir(logs)):
        if name.startswith("valgrind."):
            with open(os.path.join(logs, name), errors="replace") as f:
                sys.stderr.write(f.read())
    shutil.rmtree(logs, ignore_errors=True)
    return rc


def fails(r):
    return [l for l in (r.get("stdout") or "").splitlines() if "[FAIL]" in l or "not ok" in l]


def out_of_time(r):
    """Whether a test failed under valgrind for time: meson's timeout, an interrupt, or
    every failed check a run killed at its own wall-clock limit (`status timeout`)."""
    failed = fails(r)
    return r["result"] in ("TIMEOUT", "INTERRUPT") or \
        (bool(failed) and all("status timeout" in l for l in failed))


def memcheck(R):
    part = "memcheck"
    a = R.args
    if shutil.which("valgrind") is None:
        R.sections.append(("5. valgrind memcheck", ["valgrind is not installed: not run."]))
        R.figures["memcheck"] = "not run: valgrind is not installed"
        return
    _, out, _ = sh(["meson", "introspect", "--tests", R.build])
    tests = [t for t in json.loads(out) if any(s.split(":")[-1] == "core" for s in t["suite"])]
    with open(os.path.join(R.build, "meson-info", "intro-buildoptions.json")) as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}
    if opts.get("b_sanitize", "none") != "none":
        R.fail(part, f"{R.build} is a sanitizer build: memcheck needs a plain one")
        return
    if a.memcheck_tests:
        chosen = [n for n in a.memcheck_tests.split(",") if n]
        unknown = set(chosen) - {t["name"] for t in tests}
        if unknown:
            R.fail(part, "--memcheck-tests: not core tests: " + ", ".join(sorted(unknown)))
            return
        tests = [t for t in tests if t["name"] in chosen]
    skipped = [(t["name"], NOT_UNDER_VALGRIND[t["name"]]) for t in tests
               if t["name"] in NOT_UNDER_VALGRIND]
    run = [t["name"] for t in tests if t["name"] not in NOT_UNDER_VALGRIND]
    scripts = set()
    for t in tests:
        with open(t["cmd"][0], "rb") as f:
            if f.read(4) != b"\x7fELF":
                scripts.add(t["name"])
    # meson names the log after --logbase and the wrapper's executable; --memcheck-resume
    # keeps the earlier ones' results in a second file and runs only the tests that have none.
    log = os.path.join(R.build, "meson-logs",
                       f"testlog-memcheck-{os.path.basename(sys.executable)}.json")
    earlier = os.path.join(R.build, "meson-logs", "testlog-memcheck-earlier.json")

    def read_log(path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]

    def by_name(entries):
        return {r["name"].split(" / ", 1)[-1]: r for r in entries}

    todo = run
    if a.memcheck_resume and not a.memcheck_log_only:
        kept = read_log(earlier) + read_log(log)
        with open(earlier, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in kept)
        # Again: the tests without a result, or that failed other than by time.
        kept_by = by_name(kept)
        todo = [n for n in run if n not in kept_by or kept_by[n]["result"] == "ERROR" or
                (kept_by[n]["result"] == "FAIL" and not out_of_time(kept_by[n]))]
    elif not a.memcheck_log_only and os.path.exists(earlier):
        os.remove(earlier)
    if not a.memcheck_log_only and todo:
        sh(["meson", "test", "-C", R.build, "--no-rebuild", "--suite", "core",
            "--num-processes", "2", "--timeout-multiplier", str(a.valgrind_timeout_multiplier),
            "--logbase", "testlog-memcheck",
            f"--wrap={sys.executable} {os.path.abspath(__file__)} --memcheck-exec "
            f"{a.valgrind_timeout_multiplier}"] + todo)
    logs = [read_log(earlier), read_log(log)]
    results = by_name(logs[0] + logs[1])
    done = [results[n] for n in run if n in results]
    # The wall time of each invocation, added.
    secs = sum(max(r["starttime"] + r["duration"] for r in entries) -
               min(r["starttime"] for r in entries) for entries in logs if entries)
    md = [f"`meson test -C {os.path.relpath(R.build, SRC)} --suite core --wrap='"
          f"reliability.py --memcheck-exec {a.valgrind_timeout_multiplier}' <tests>` (plain "
          f"{opts.get('buildtype')} build, `--timeout-multiplier "
          f"{a.valgrind_timeout_multiplier}`, 2 processes"
          + (", with the earlier results of `testlog-memcheck-earlier.json`" if logs[0] else "")
          + f"): {len(run)} tests in {secs / 60:.0f} min. A compiled test runs under `"
          + " ".join(VALGRIND).replace(SRC + "/", "")
          + "`, the per-run limit of `plugbench run` and `check` multiplied as meson's; a "
          "script (marked) runs with the plugbench it is given (the install test: the one it "
          "installs) under the same valgrind; oracle-instructions runs the loops it would "
          "count under callgrind.", "",
          "| test | result under valgrind | memcheck errors | seconds |", "|---|---|--:|--:|"]
    errors = passed = 0
    unfinished, skips = [], []
    for name in run:
        r = results.get(name)
        if r is None:
            # Not reached: the pass was stopped first (--memcheck-resume runs it).
            unfinished.append((name, "not reached: the pass was stopped before it"))
            md.append(f"| {name} | not reached (see below) | | |")
            continue
        text = (r.get("stdout") or "") + (r.get("stderr") or "")
        n_err = len(MEMCHECK_ERROR.findall(text))
        errors += n_err
        if n_err or r["returncode"] == 99:
            R.fail(part, f"{name}: {n_err} memcheck errors (exit {r['returncode']})")
        if r["result"] == "OK":
            passed += 1
            shown = "ok"
        elif r["result"] == "SKIP":
            # The test's own exit 77: what it checked before it stopped was under valgrind.
            lines = (r.get("stdout") or "").strip().splitlines()
            skips.append((name, lines[-1] if lines else "exit 77"))
            shown = "skipped by itself (see below)"
        else:
            # A test that fails under valgrind without a memcheck error ran out of time: its
            # own wall-clock limits are for native speed. Listed with what it said.
            failed = fails(r)
            why = failed[0] if failed else f"{r['result']}, exit {r['returncode']}"
            if r["result"] == "INTERRUPT":
                why = (f"stopped after {r['duration'] / 60:.0f} min: the report's time ran "
                       "out (a person's interrupt, not a failure)")
            unfinished.append((name, why))
            shown = f"{r['result'].lower()} (see below)"
            if not n_err and r["returncode"] != 99 and not out_of_time(r):
                R.fail(part, f"{name}: failed under valgrind, not for time: {why}")
        marked = name + (" (script)" if name in scripts else "")
        md.append(f"| {marked} | {shown} | {n_err} | {r['duration']:.0f} |")
    md += ["", f"Memcheck errors: {errors}. Tests that did not finish under valgrind (20 to "
           "50 times slower than native), checked up to there, or that failed:", "",
           "| test | what it said |", "|---|---|"]
    md += [f"| {n} | {md_escape(w)[:160]} |" for n, w in unfinished]
    if skips:
        md += ["", "Skipped by the test itself (exit 77); its checks up to there ran under "
               "valgrind:", "",
               "| test | what it said |", "|---|---|"]
        md += [f"| {n} | {md_escape(w)[:160]} |" for n, w in skips]
    if skipped:
        md += ["", "Not run under valgrind:", "", "| test | why |", "|---|---|"]
        md += [f"| {n} | {w} |" for n, w in skipped]
    if "syscall: 434" in "".join((r.get("stdout") or "") + (r.get("stderr") or "")
                                 for r in done):
        md += ["", "valgrind 3.19 does not know `pidfd_open` (syscall 434): under it "
               "plugbench waits for its children with short timed waits, its fallback."]
    R.sections.append(("5. valgrind memcheck", md))
    R.figures["memcheck"] = (f"{errors} memcheck errors in {len(run)} core tests, "
                             f"{len(scripts & set(run))} of them scripts "
                             f"({passed} pass, {len(skips)} skipped by itself, "
                             f"{len(unfinished)} unfinished, listed); "
                             f"{len(skipped)} not run (listed)")


# ---------------------------------------------------------------------------------------

PARTS = {"gallery": gallery, "killresume": kill_resume, "malformed": malformed,
         "fuzz": fuzz, "memcheck": memcheck}


def main():
    if sys.argv[1:2] == ["--memcheck-exec"]:
        return memcheck_exec(float(sys.argv[2]), sys.argv[3:])
    if sys.argv[1:2] == ["--memcheck-plugbench"]:
        return memcheck_plugbench(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build"),
                    help="a plain (non-sanitizer) build directory (default: build)")
    ap.add_argument("--parts", default="gallery,killresume,malformed,fuzz,memcheck",
                    help="comma-separated, of " + ", ".join(PARTS))
    ap.add_argument("--quick", action="store_true",
                    help="the slow test's bounds: parts 1-3, 60 runs, 5 kills, fewer inputs")
    ap.add_argument("--seeds", type=int, default=50,
                    help="seeds of the kill/resume suite (4 runs each; default 50: 200 runs)")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--kill-seed", type=int, default=1)
    ap.add_argument("--mutations", type=int, default=40, help="per base input (default 40)")
    ap.add_argument("--mutation-seed", type=int, default=1)
    ap.add_argument("--report-every", type=int, default=3,
                    help="run report on one mutated results file in N (it draws plots)")
    ap.add_argument("--input-timeout", type=int, default=60,
                    help="seconds before a malformed input counts as a hang")
    ap.add_argument("--fuzz-seconds", type=int, default=30)
    ap.add_argument("--fuzz-build", default="build-fuzz")
    ap.add_argument("--valgrind-timeout-multiplier", type=int, default=20)
    ap.add_argument("--memcheck-log-only", action="store_true",
                    help="summarize the build's last memcheck logs instead of running again")
    ap.add_argument("--memcheck-tests", metavar="NAME,...",
                    help="only these core tests (as `meson test --list` names them)")
    ap.add_argument("--memcheck-resume", action="store_true",
                    help="run only the core tests the last memcheck logs have no result for")
    ap.add_argument("--work", help="work directory (default: a temporary one, removed)")
    ap.add_argument("--summary", help="write the Markdown summary here (default: stdout)")
    a = ap.parse_args()
    if a.quick:
        a.parts = "gallery,killresume,malformed"
        a.seeds, a.kills, a.mutations, a.report_every = 15, 5, 10, 6
    parts = a.parts.split(",")
    if any(p not in PARTS for p in parts):
        ap.error(f"--parts: one of {', '.join(PARTS)}")
    keep = a.work is not None
    a.work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="plugbench-reliability-"))
    os.makedirs(a.work, exist_ok=True)
    R = Run(a)
    R.figures = {}
    if not os.access(R.pb, os.X_OK):
        ap.error(f"{R.pb} not built (ninja -C {a.build})")
    timings = {}
    try:
        for p in parts:
            t0 = time.monotonic()
            print(f"reliability: {p} ...", file=sys.stderr, flush=True)
            PARTS[p](R)
            timings[p] = time.monotonic() - t0
    finally:
        if not keep:
            shutil.rmtree(a.work, ignore_errors=True)
    load = open("/proc/loadavg").read().split()[:3]
    md = [f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} CPUs, load {' '.join(load)}; "
          f"`{' '.join(sys.argv[1:]) or '(defaults)'}`; "
          + ", ".join(f"{p} {s:.0f} s" for p, s in timings.items()) + ".", "",
          "| part | result |", "|---|---|"]
    md += [f"| {p} | {R.figures.get(p, 'failed: see below')} |" for p in parts]
    verdict = f"{len(R.violations)} violations" if R.violations else "no violations"
    md += ["", f"**Verdict: {verdict}.**"]
    for title, body in R.sections:
        md += ["", "### " + title, ""] + body
    if R.violations:
        md += ["", "### Violations", ""] + [f"- {md_escape(v)[:400]}" for v in R.violations]
    text = "\n".join(md) + "\n"
    if a.summary:
        with open(a.summary, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 1 if R.violations else 0


if __name__ == "__main__":
    sys.exit(main())
