# Sourced by the bench/*/run.sh scripts: the options, checks and header line they share.

# bench_options ARGS...: reads [BUILD_DIR] [--rounds N] [other options] into `build` (default
# build), `rounds` (default 3) and the array `options` (the other arguments, in their order).
bench_options() {
  build=build
  if [ $# -ge 1 ] && [[ $1 != --* ]]; then build=$1; shift; fi
  rounds=3
  options=()
  while [ $# -gt 0 ]; do
    case $1 in
      --rounds) rounds=$2; shift 2 ;;
      *) options+=("$1"); shift ;;
    esac
  done
}

# bench_need FILE: exits with a message unless FILE, e.g. a file of a checkout the script was
# given, exists.
bench_need() {
  [ -f "$1" ] || { echo "run.sh: $1 not found" >&2; exit 2; }
}

# bench_built EXE: exits with a message unless EXE, a program of the build, was built.
bench_built() {
  [ -x "$1" ] || { echo "run.sh: $1 not built (ninja -C $build)" >&2; exit 2; }
}

# bench_machine: one comment line saying when, on which CPU and under which load the
# figures below were measured.
bench_machine() {
  echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p'), $(getconf _NPROCESSORS_ONLN) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
