#!/usr/bin/env bash
# The cgroup v2 path of the runs' memory cgroups (framework/runner/cgroup.c), checked in a
# virtual machine whose only cgroup hierarchy is v2 (bench/reliability/README.md). By hand:
# neither CI nor the tests run it; the machines the project runs on mount the memory and
# pids controllers on cgroup v1, so the v2 code is exercised only here.
#
#   usage: cgroup2_vm.sh BUILD_DIR [WORK_DIR]
#
# Needs: Debian's qemu-system-x86, busybox-static and cpio (apt-get install
# --no-install-recommends qemu-system-x86 busybox-static cpio), python3, and a Linux kernel
# with the 8250 serial console, MEMCG and CGROUP_PIDS built in: $KERNEL, else Debian's
# linux-image-amd64 dependency is fetched with apt-get download (after apt-get update) and
# unpacked with dpkg -x into WORK_DIR. Root is not needed. Software emulation (TCG): about 40 s
# to boot on two loaded cores, a few minutes in all; $QEMU_TIMEOUT (default 1200) bounds it.
#
# BUILD_DIR's binaries, plugins and tests, the shared libraries they need (per ldd) and a
# static busybox go into an initramfs. Its /init mounts cgroup2 alone on /sys/fs/cgroup and
# enables +memory (not +pids) below the root, then runs:
#   1. tests/isolation/test_memcg in the root cgroup, beside init: the root alone may hold
#      processes and enable controllers for its children at once; plugbench must enable
#      pids itself.
# Then it enables +memory +pids below the root and moves itself into the leaf /init (as
# systemd's init lives in a leaf). Each step after runs alone in a fresh cgroup of its own,
# as a command in a systemd scope with Delegate=yes would: with nothing else in it, so
# plugbench moves itself into a leaf plugbench-<pid> to enable the controllers below it:
#   2. test_memcg as root, in /bench;
#   3. the same as uid 65534 in /user, a cgroup delegated to it as systemd does (the
#      directory and its cgroup.procs, cgroup.subtree_control and cgroup.threads chowned);
#   4. the same in /crowded beside a sleeping process: no memory cgroup can be made (a v2
#      cgroup with processes cannot enable controllers), so it must skip (exit 77), having
#      moved itself back;
#   5. plugbench run --memory 128 of bad-memfd, bad-shm and bad-memory (in /memory), and one
#      of bad-forkbomb (--memory 1024, in /forkbomb), on sphere-d5-i1, seed 1, 20
#      evaluations;
# then prints the results files and the cgroups left over, and powers off. This script then
# checks the console's record, prints each figure and a verdict, and exits 0 when every
# check holds, 1 when one does not.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,38p' "$0"; exit 2; }
BUILD=$(cd "$1" && pwd)
WORK=${2:-$(mktemp -d /tmp/cgroup2-vm.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in qemu-system-x86_64 cpio python3; do
    command -v "$tool" >/dev/null ||
        { echo "cgroup2_vm.sh: no $tool (see the top of $0)" >&2; exit 2; }
done
BUSYBOX=/bin/busybox
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
    { echo "cgroup2_vm.sh: $BUSYBOX is not static: apt-get install busybox-static" >&2; exit 2; }

# The kernel: $KERNEL, or Debian's current one for amd64.
if [ -z "${KERNEL:-}" ]; then
    pkg=$(apt-cache depends linux-image-amd64 |
        sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -1)
    [ -n "$pkg" ] ||
        { echo "cgroup2_vm.sh: no linux-image-amd64 in apt's lists: apt-get update" >&2; exit 2; }
    if ! ls "$WORK"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
        (cd "$WORK" && apt-get download "$pkg" && dpkg -x "$pkg"_*.deb kernel && rm -f "$pkg"_*.deb)
    fi
    KERNEL=$(ls "$WORK"/kernel/boot/vmlinuz-* | head -1)
fi

# The initramfs tree: BUILD_DIR's ELF files (object files and meson's private directories
# left out) at their own absolute paths, so that their run paths still hold.
ROOT=$WORK/root
copy() { mkdir -p "$ROOT$(dirname "$1")" && cp -L "$1" "$ROOT$1"; } # at its own path
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$ROOT/bin/busybox"
find "$BUILD" -name '*.p' -prune -o -type f \( -name '*.so*' -o -perm -u+x \) -print |
    while read -r f; do
        if [ "$(head -c 4 "$f" | tail -c 3)" = ELF ]; then copy "$f"; fi
    done
find "$BUILD" -name '*.p' -prune -o -type l -name '*.so*' -print | while read -r f; do
    cp -P "$f" "$ROOT$f" # libplugbench.so.0 -> libplugbench.so.0.1.0, say
done
# The shared libraries they load, from the host, and the dynamic loader.
libs=$(find "$ROOT$BUILD" -type f -print0 | xargs -0 ldd 2>/dev/null |
    awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(/ {print $1}' |
    grep -v "^$BUILD/" | sort -u || true)
for lib in $libs; do copy "$lib"; done
echo 'root:x:0:0::/:/bin/sh' >"$ROOT/etc/passwd"
echo 'nobody:x:65534:65534::/tmp:/bin/sh' >>"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"

cat >"$ROOT/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
B=$BUILD
EOF
cat >>"$ROOT/init" <<'EOF'
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm
mount -t tmpfs shm /dev/shm
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
dmesg -n 1 # the OOM killer's reports would cut into the lines below; they come at the end
C=/sys/fs/cgroup
echo "@@ kernel $(uname -r)"
echo "@@ mounts $(grep cgroup /proc/mounts | tr '\n' ';')"
echo "@@ root controllers: $(cat $C/cgroup.controllers)"
# into CGROUP CMD...: runs CMD in the cgroup CGROUP (below C), and prints its exit status.
into() {
    cg=$1
    shift
    sh -c 'echo $$ >'"$C/$cg"'/cgroup.procs && exec "$@"' sh "$@"
    echo "@@ exit $?"
}
echo '+memory' >$C/cgroup.subtree_control
echo '@@ test_memcg top' # in the root cgroup, beside init, with memory but not pids enabled
into . $B/tests/isolation/test_memcg $B/tests/isolation
echo '+memory +pids' >$C/cgroup.subtree_control
mkdir $C/init $C/bench $C/user $C/memory $C/forkbomb
echo $$ >$C/init/cgroup.procs
chown 65534:65534 $C/user $C/user/cgroup.procs $C/user/cgroup.subtree_control $C/user/cgroup.threads
echo '@@ test_memcg bench'
into bench $B/tests/isolation/test_memcg $B/tests/isolation
echo '@@ test_memcg user'
into user su nobody -s /bin/sh -c "exec $B/tests/isolation/test_memcg $B/tests/isolation"
rm -f /dev/shm/plugbench-*
echo '@@ test_memcg crowded'
mkdir $C/crowded
sh -c "echo \$\$ >$C/crowded/cgroup.procs && exec sleep 600" & # another process there
sleep 1
into crowded $B/tests/isolation/test_memcg $B/tests/isolation
kill $!
echo '@@ run memory'
into memory $B/framework/plugbench run -q --no-plots -j 2 --memory 128 \
    --plugin-dir $B/tests/isolation -a bad-memfd -a bad-shm -a bad-memory \
    -p sphere-d5-i1 -s 1 --max-evals 20 -o /tmp/memory.json
echo '@@ run forkbomb'
into forkbomb $B/framework/plugbench run -q --no-plots --memory 1024 \
    --plugin-dir $B/tests/isolation -a bad-forkbomb \
    -p sphere-d5-i1 -s 1 --max-evals 20 -o /tmp/forkbomb.json
for f in memory forkbomb; do
    echo "@@ json $f $(tr -d '\n' </tmp/$f.json)"
done
echo "@@ left in /: $(cd $C && ls -d plugbench-* 2>/dev/null | tr '\n' ' ')"
for cg in bench user crowded memory forkbomb; do
    echo "@@ left in /$cg: $(cd $C/$cg && ls -d plugbench-* 2>/dev/null | tr '\n' ' ')"
done
echo "@@ oom kills: $(dmesg | grep -c 'Killed process')"
echo '@@ end'
poweroff -f
EOF
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1 >"$WORK/initramfs.gz")
echo "initramfs: $(du -h "$WORK/initramfs.gz" | cut -f1), kernel: $KERNEL"

# no_timer_check: under emulation on a loaded host the kernel's check of the IO-APIC timer
# can miss its ticks and panic at boot.
timeout "${QEMU_TIMEOUT:-1200}" qemu-system-x86_64 -accel tcg -smp 2 -m 2048 -nographic \
    -no-reboot -kernel "$KERNEL" -initrd "$WORK/initramfs.gz" \
    -append 'console=ttyS0 rdinit=/init panic=-1 no_timer_check' </dev/null \
    >"$WORK/console.log" 2>&1 || true
tr -d '\r' <"$WORK/console.log" >"$WORK/console.txt"
echo "console: $WORK/console.txt"

# The verdict, from the lines of the console that /init marked with "@@".
exec python3 - "$WORK/console.txt" <<'PY'
import json, re, sys

text = open(sys.argv[1], errors="replace").read()
marks = [m for m in re.finditer(r"^@@ (.*)$", text, re.M)]
sections = {}  # each marked line, and the console's text up to the next mark
for i, m in enumerate(marks):
    end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
    sections[m.group(1)] = text[m.end():end]
lines = [m.group(1) for m in marks]
failed = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failed.append(what)
    return ok


def line(prefix):
    return next((l[len(prefix):] for l in lines if l.startswith(prefix)), None)


def status(label):
    """The exit status of the command that /init marked with label."""
    after = lines[lines.index(label) + 1:] if label in lines else []
    return next((int(l.split()[1]) for l in after if l.startswith("exit ")), None)


if not check("end" in sections, "the VM ran /init to its end"):
    print(text[-3000:])
    sys.exit(1)
print("kernel:", line("kernel "))
mounts = line("mounts ") or ""
check("cgroup2 /sys/fs/cgroup" in mounts and " cgroup " not in mounts,
      "cgroup v2 alone is mounted: " + mounts)
for cg, who in (("top", "root"), ("bench", "root"), ("user", "uid 65534")):
    label = "test_memcg " + cg
    out = sections.get(label, "")
    where = re.search(r"runs' cgroups: (.*)", out)
    summary = re.search(r"memcg: (\d+) checks, (\d+) failed", out)
    dir = "/sys/fs/cgroup" + ("" if cg == "top" else "/" + cg)
    check(where is not None and where.group(1) == f"v2 in {dir} (pids: {dir})",
          f"test_memcg as {who} in {dir}: runs' cgroups "
          + (where.group(1) if where else "not found"))
    check(summary is not None and summary.group(2) == "0" and status(label) == 0,
          f"test_memcg as {who} in {dir}: exit {status(label)}, "
          + (summary.group(0) if summary else "no summary"))
    for l in out.splitlines():
        if l.startswith(("FAIL", "note:", "check failed")) or "failed:" in l:
            print("      " + l)
results = {}
for name in ("memory", "forkbomb"):
    check(status("run " + name) == 0, f"plugbench run ({name}): exit {status('run ' + name)}")
    raw = line(f"json {name} ")
    try:
        results[name] = json.loads(raw)
    except (TypeError, ValueError):
        check(False, f"plugbench run ({name}) wrote a results file")
        results[name] = {"context": {}, "runs": []}
limit = results["memory"]["context"].get("memory_limit", "")
check(limit.startswith("memory cgroup v2: 128 MiB per run"), "memory_limit: " + limit)
runs = {r["plugin"]["name"]: r for r in results["memory"]["runs"]}
print(f"      {'plugin':<11} {'status':<7} {'max_rss_mib':>11}  message")
for name in ("bad-memfd", "bad-shm", "bad-memory"):
    r = runs.get(name)
    if not check(r is not None, f"{name} ran"):
        continue
    rss = r["time"]["max_rss_mib"]
    print(f"      {name:<11} {r['status']:<7} {rss:>11.2f}  {r['message']}")
    check(r["status"] == "error" and "out of memory" in (r["message"] or "")
          and r["signal"] is None and 0.75 * 128 < rss <= 129,
          f"{name}: error, out of memory, max_rss_mib in (96, 129]")
bomb = next(iter(results["forkbomb"]["runs"]), None)
forked = re.search(r"forked (\d+) of (\d+)", (bomb or {}).get("output") or "")
print("      bad-forkbomb:", bomb and bomb["status"], forked and forked.group(0))
check(forked is not None and int(forked.group(1)) < 256,
      "bad-forkbomb forked fewer than its run's pids.max of 256 tasks (root is not exempt)")
out = sections.get("test_memcg crowded", "")
check(status("test_memcg crowded") == 77 and "cannot enable the memory controller below "
      "/sys/fs/cgroup/crowded: Device or resource busy" in out,
      "test_memcg beside another process in its cgroup: skipped (77), "
      "the memory controller cannot be enabled there")
for cg in ("/", "/bench", "/user", "/crowded", "/memory", "/forkbomb"):
    left = (line(f"left in {cg}: ") or "").split()
    check(not any(re.fullmatch(r"plugbench-\d+-\d+", n) for n in left) and len(left) <= 1,
          f"left in {cg}: no run's cgroup, at most the last harness's leaf: {left}")
print("oom kills:", line("oom kills: "))
print("verdict:", "cgroup v2 path holds" if not failed else f"{len(failed)} check(s) failed")
sys.exit(1 if failed else 0)
PY
