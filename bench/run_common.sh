# Sourced by the bench/*/run.sh scripts: the options, checks, working directory and header
# line they share.

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

# bench_program NAME: sets `exe` to the benchmark program NAME of the build; exits with a
# message unless it was built.
bench_program() {
  exe=$build/bench/$1
  [ -x "$exe" ] || { echo "run.sh: $exe not built (ninja -C $build)" >&2; exit 2; }
}

# bench_workdir: one thread for every BLAS and OpenMP from here on, and `work`, a temporary
# directory removed at exit.
bench_workdir() {
  export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
}

# bench_machine: one comment line saying when, on which CPU and under which load the
# figures below were measured.
bench_machine() {
  echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p'), $(getconf _NPROCESSORS_ONLN) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
