# The measuring shared by gate and refresh (sourced by both, not run): the suites of
# quality/ and instructions/ beside this file, with one plugbench, into one directory, as
# the four files the baseline is made of (README.md beside this file):
#
#   quality.json               quality/*.json run natively and merged
#   runs-instructions.json     instructions/*.json run with --count-instructions and merged
#   kernels-instructions.json  plugbench bench --instructions (every plugin's microkernels)
#   counting-env.txt           what the counts depend on besides the code (counting_env)

# The environment every part runs in. Under callgrind the guest CPU is one of Valgrind's
# canned CPUID models (an Intel Haswell on any host with AVX2), so what glibc and OpenBLAS
# pick at run time depends on the host only through that model and the features Valgrind
# passes on; these pins take the choice away from the CPU altogether:
#  - glibc's ifuncs (memcpy, strlen, libm's exp/log/sin...) to their x86-64 baseline (SSE2)
#    variants, and no glibc-hwcaps subdirectories (x86-64-v2/v3 library builds);
#  - OpenBLAS's DYNAMIC_ARCH kernels to Prescott (SSE3: every x86-64 CPU has it), one thread
#    (its threads would make the counts depend on scheduling).
# Inherited settings that change OpenBLAS's blocking (OPENBLAS_L2_SIZE...) or threading are
# removed first. The quality part runs pinned too, so that its results do not depend on the
# CPU either.
pin_environment() {
  local v
  for v in $(compgen -e); do
    case $v in OPENBLAS_* | GOTO_* | OMP_* | GLIBC_TUNABLES | LD_PRELOAD) unset "$v" ;; esac
  done
  export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX2,-AVX,-FMA,-FMA4,-F16C,-BMI1,-BMI2,-LZCNT,-MOVBE,-POPCNT,-SSE4_1,-SSE4_2,-SSSE3,-ERMS,-FSRM,-AVX_Fast_Unaligned_Load
  export OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
  unset PLUGBENCH_PLUGIN_PATH # the plugins of the build tree next to the executable
}

# Prints what the instruction counts depend on besides the code: the host CPU, the CPU that
# Valgrind presents to the counted process and the features glibc uses there, the versions
# of valgrind, glibc and OpenBLAS, the compiler and build options (from the context of
# RESULTS.json, made by the plugbench measured) and the pins. Two baselines count alike
# when these lines are equal.
#   counting_env RESULTS.json
counting_env() {
  local vg=${PLUGBENCH_VALGRIND:-valgrind} ldso
  awk -F'\t*: ' '/^vendor_id/ {v = $2} /^cpu family/ {f = $2} /^model\t/ {m = $2}
    /^model name/ {n = $2} END {printf "cpu: %s family %s model %s (%s)\n", v, f, m, n}' \
    /proc/cpuinfo
  ldso=$(ldd "$pb" 2>/dev/null | awk '/ld-linux/ {print $1; exit}')
  printf 'cpu under valgrind: %s\n' "$("$vg" -q "$ldso" --list-diagnostics 2>/dev/null |
    grep -E '^x86\.cpu_features\.(basic\.(kind|family|model)|features\[0x[0-9a-f]+\]\.active)' |
    grep -v '=0x0$' | sed 's/^x86\.cpu_features\.//' | tr '\n' ' ' | sed 's/ $//')"
  printf 'packages: %s\n' "$(dpkg-query -W -f='${Package} ${Version}\n' valgrind libc6 \
    'libopenblas0*' 2>/dev/null | awk 'NF == 2' | paste -sd ' ')"
  printf 'build: %s\n' "$(jq -r '.context | "\(.compiler) \(.compiler_flags)"' "$1")"
  printf 'pins: GLIBC_TUNABLES=%s OPENBLAS_CORETYPE=%s OPENBLAS_NUM_THREADS=%s\n' \
    "$GLIBC_TUNABLES" "$OPENBLAS_CORETYPE" "$OPENBLAS_NUM_THREADS"
}

# Runs the given suites of the directory $here/PART (one plugbench run each, into $dir) and
# merges them into $dir/PART.json. Extra run options follow the suites' names.
#   run_part PART OUT_NAME SUITE... -- OPTION...
run_part() {
  local part=$1 out=$2 suites=() files=() s a
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do suites+=("$1"); shift; done
  shift
  for s in "${suites[@]}"; do
    # Under callgrind, loading a plugin costs seconds (Valgrind reads its code and debug
    # information), and naming an algorithm loads every plugin of the directory to find it:
    # the instruction part names the files of the build tree instead.
    local algs=()
    if [ "$part" = instructions ]; then
      for a in $(jq -r '.algorithms[]' "$here/$part/$s.json"); do
        algs+=(-a "$plugins/$a.so")
      done
    fi
    "$pb" run -c "$here/$part/$s.json" "${algs[@]}" -j 2 -q --no-plots "$@" \
      -o "$dir/$part-$s.json" >/dev/null || return 2
    files+=("$dir/$part-$s.json")
  done
  "$pb" merge -o "$dir/$out" "${files[@]}" >/dev/null || return 2
}

# measure PLUGBENCH_EXE DIR [quick]: the four files into DIR (quick: quality.json only, and
# without the suites that take more than a few seconds: see quick_skip). Prints the seconds
# each part took; returns 2 when something could not be run.
measure() {
  pb=$1 dir=$2
  local quick=${3:-} t suites=() s
  plugins=$(cd "$(dirname "$pb")/../plugins" 2>/dev/null && pwd) || plugins=
  pin_environment
  # Every plugin is gated: one that no quality suite names (a plugin added without its
  # suite) stops the gate rather than pass unseen.
  local missing
  missing=$(comm -23 <("$pb" list | sed -n '2,/^$/s/^  \([^ ]*\) .*/\1/p' | sort) \
    <(jq -r '.algorithms[]' "$here"/quality/*.json | sort -u))
  if [ -n "$missing" ]; then
    echo "plugins in no suite of $here/quality: $(echo $missing) (add each to its kind's suite" \
      "and to instructions/, then refresh the baseline)" >&2
    return 2
  fi
  for s in "$here"/quality/*.json; do
    s=$(basename "$s" .json)
    [ -n "$quick" ] && [[ " $quick_skip " == *" $s "* ]] && continue
    suites+=("$s")
  done
  t=$SECONDS
  run_part quality quality.json "${suites[@]}" -- || return 2
  echo "  quality: ${#suites[@]} suites in $((SECONDS - t)) s"
  [ -n "$quick" ] && return 0
  if [ -z "$plugins" ]; then
    echo "no plugins/ directory next to $(dirname "$pb") (a build tree's plugbench is needed)" >&2
    return 2
  fi
  t=$SECONDS
  suites=()
  for s in "$here"/instructions/*.json; do suites+=("$(basename "$s" .json)"); done
  run_part instructions runs-instructions.json "${suites[@]}" -- --count-instructions \
    --timeout 600 || return 2
  if jq -e '[.runs[] | select(.instructions == null)] | length > 0' \
    "$dir/runs-instructions.json" >/dev/null; then
    echo "runs without an instruction count: $(jq -r '.context.instructions.reason //
      ([.context.merged[]?.context.instructions.reason] | unique | join("; "))' \
      "$dir/runs-instructions.json")" >&2
    return 2
  fi
  echo "  instructions of runs: ${#suites[@]} suites in $((SECONDS - t)) s"
  t=$SECONDS
  "$pb" bench --instructions -o "$dir/kernels-instructions.json" >/dev/null || return 2
  echo "  instructions of microkernels: $((SECONDS - t)) s"
  counting_env "$dir/instructions-blackbox.json" >"$dir/counting-env.txt"
}

# The quality suites that `gate --quick` (the core test compare-gate) leaves out: their
# runs end with seconds of the host's scoring each (TimeGAN's post-hoc GRUs, PV-RNN's error
# regression), whatever their budget.
quick_skip="sequence sequence-generative"
