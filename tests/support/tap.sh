# Shared by the shell tests (sourced): TAP-like checks, a scratch directory, and running
# plugbench with its output captured.
#
#   . "$(dirname "$0")/../support/tap.sh"
#   tap_usage MIN MAX "ARGS..." "$@"  # exit 2, "usage: SCRIPT ARGS...", unless MIN..MAX args
#   PB=$(tap_abs "$1")                # a path made absolute, for use after cd
#   tap_require jq                    # "Bail out!" unless the tools are on PATH
#   tap_require_valgrind SANITIZE     # exit 77 (skip) without valgrind or in a sanitized build
#   tap_scratch NAME                  # T: a new directory, the working directory, removed
#                                     # at exit (after the script's tap_cleanup_hook, if any)
#   tap_plugbench NAME jq -- "$@"     # all of the above for PLUGBENCH_EXE BUILD_ROOT [SRC]
#   PB=/path/to/plugbench
#   pb NAME ARGS...                   # stdout to $T/NAME.out, stderr to $T/NAME.err, RC
#   ok / not_ok / skip / check / json_check / usage_error (below)
#   tap_done                          # the plan and tally; the script's exit status

N_CHECKS=0
N_FAILED=0
RC=0
TAP_START=$(date +%s)

# tap_usage MIN MAX DOC ARGS...: stops the script (exit 2, a usage line naming DOC) unless
# there are MIN to MAX ARGS.
tap_usage() {
    local min=$1 max=$2 doc=$3
    shift 3
    if [ $# -lt "$min" ] || [ $# -gt "$max" ]; then
        echo "usage: $0 $doc" >&2
        exit 2
    fi
}

# tap_abs PATH: PATH as an absolute path (its directory must exist), so that it still holds
# after the script changes directory.
tap_abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

# tap_require TOOL...: stops the script unless every tool is installed.
tap_require() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "Bail out! $tool is required (see tools/deps)"
            exit 1
        fi
    done
}

# tap_require_valgrind SANITIZE: stops the script as skipped (exit 77) when valgrind
# ($PLUGBENCH_VALGRIND, else valgrind in PATH) is missing, or when SANITIZE (meson's
# b_sanitize) is not "none": valgrind cannot run a program built with AddressSanitizer.
tap_require_valgrind() {
    if [ "$1" != none ]; then
        echo "1..0 # SKIP a sanitized build ($1) does not run under valgrind"
        exit 77
    fi
    if ! command -v "${PLUGBENCH_VALGRIND:-valgrind}" >/dev/null 2>&1; then
        echo "1..0 # SKIP valgrind is not installed"
        exit 77
    fi
}

tap_exit() {
    if declare -F tap_cleanup_hook >/dev/null; then tap_cleanup_hook; fi
    rm -rf "$T"
}

# tap_scratch NAME: a scratch directory T, entered, and removed when the script exits.
tap_scratch() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/plugbench-$1.XXXXXX") || exit 1
    trap tap_exit EXIT
    trap 'exit 130' INT TERM
    cd "$T" || exit 1
}

# tap_plugbench NAME TOOL... -- ARGS...: the start of a test of the plugbench executable,
# whose ARGS are PLUGBENCH_EXE BUILD_ROOT [SOURCE_DIR]: checks them (exit 2 otherwise),
# sets PB, BUILD and SRC (absolute), requires the TOOLs, ignores installed plugins and
# enters a new scratch directory T named after NAME.
tap_plugbench() {
    local name=$1 tools=()
    shift
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do tools+=("$1"); shift; done
    shift
    tap_usage 2 3 "PLUGBENCH_EXE BUILD_ROOT [SOURCE_DIR]" "$@"
    PB=$(tap_abs "$1")
    BUILD=$(cd "$2" && pwd)
    SRC=$(cd "${3:-.}" && pwd)
    tap_require "${tools[@]}"
    unset PLUGBENCH_PLUGIN_PATH
    tap_scratch "$name"
}

ok() {
    N_CHECKS=$((N_CHECKS + 1))
    echo "ok - $1"
}

# not_ok DESCRIPTION [DETAIL...]: a failed check; each detail line is shown as a comment.
not_ok() {
    N_CHECKS=$((N_CHECKS + 1))
    N_FAILED=$((N_FAILED + 1))
    echo "not ok - $1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^ */#   /'
    done
}

skip() {
    N_CHECKS=$((N_CHECKS + 1))
    echo "ok - # SKIP $1"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what" "failed: $*"; fi
}

# show FILE [LINES]: a captured file for a failure report, a few lines.
show() {
    if [ -s "$1" ]; then
        head -n "${2:-5}" "$1" | tr '\r' '~'
    else
        echo "(empty)"
    fi
}

# pb NAME ARGS...: runs plugbench; stdout to $T/NAME.out, stderr to $T/NAME.err, status in RC.
pb() {
    local name=$1
    shift
    "$PB" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    RC=$?
}

# jqt FILE FILTER: true when the jq filter yields true on FILE.
jqt() {
    [ "$(jq -r "$2" "$1" 2>/dev/null)" = "true" ]
}

# json_check DESCRIPTION FILE FILTER: ok when the filter yields true on FILE.
json_check() {
    if jqt "$2" "$3"; then ok "$1"; else not_ok "$1" "jq filter not true: $3" \
        "on $(basename "$2"): $(jq -c "$3" "$2" 2>&1 | head -c 300)"; fi
}

# usage_error DESCRIPTION REGEX ARGS...: plugbench ARGS exits 2 with nothing on stdout and
# exactly one line on stderr that starts with "plugbench: " and matches the regex.
usage_error() {
    local what=$1 regex=$2
    shift 2
    pb uerr "$@"
    local lines
    lines=$(wc -l <"$T/uerr.err")
    if [ "$RC" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T/uerr.out" ] &&
        grep -q '^plugbench: ' "$T/uerr.err" && grep -Eq -- "$regex" "$T/uerr.err"; then
        ok "$what: exit 2, one line: $(cat "$T/uerr.err")"
    else
        not_ok "$what: want exit 2 and one stderr line matching /$regex/" \
            "got exit $RC, $lines stderr lines, $(wc -c <"$T/uerr.out") bytes on stdout:" \
            "$(show "$T/uerr.err" 4)"
    fi
}

# tap_done: prints the plan and the tally; returns 0 when no check failed.
tap_done() {
    echo "1..$N_CHECKS"
    echo "# $((N_CHECKS - N_FAILED)) passed, $N_FAILED failed; $(($(date +%s) - TAP_START))s"
    [ "$N_FAILED" -eq 0 ]
}
