// The C API of pb_gbench.h over Google Benchmark. Every entry point catches what the C++ side
// may throw (std::bad_alloc, mostly), because an exception must not unwind through C frames.
#include "pb_gbench.h"

#include <benchmark/benchmark.h>

#include <cassert>
#include <memory>
#include <string>
#include <vector>

namespace {

// The opaque C handle is the library's State itself: no allocation per call.
benchmark::State &unwrap(pb_gbench_state *state)
{
    assert(state);
    return *reinterpret_cast<benchmark::State *>(state);
}

const benchmark::State &unwrap(const pb_gbench_state *state)
{
    assert(state);
    return *reinterpret_cast<const benchmark::State *>(state);
}

// Maps PB_GBENCH_COUNTER_* onto benchmark::Counter's flags, which are not ABI-stable names.
benchmark::Counter::Flags counter_flags(uint32_t flags)
{
    int out = benchmark::Counter::kDefaults;
    if (flags & PB_GBENCH_COUNTER_RATE)
        out |= benchmark::Counter::kIsRate;
    if (flags & PB_GBENCH_COUNTER_AVG_ITERATIONS)
        out |= benchmark::Counter::kAvgIterations;
    return static_cast<benchmark::Counter::Flags>(out);
}

// CreateDefaultDisplayReporter returns a raw pointer to a function-static reporter up to
// 1.9 (the library owns it) and a std::unique_ptr after (the caller owns it): both give
// the reporter to pass on. One of the two is unused, whichever the version.
[[maybe_unused]] benchmark::BenchmarkReporter *reporter_of(benchmark::BenchmarkReporter *r)
{
    return r;
}
[[maybe_unused]] benchmark::BenchmarkReporter *
reporter_of(const std::unique_ptr<benchmark::BenchmarkReporter> &r)
{
    return r.get();
}

} // namespace

// Registers a lambda that calls the C function; RegisterBenchmark copies the name.
extern "C" int pb_gbench_register(const char *name, void *arg, pb_gbench_fn run)
{
    if (!name || !run)
        return -1;
    try {
        benchmark::RegisterBenchmark(name, [run, arg](benchmark::State &state) {
            run(reinterpret_cast<pb_gbench_state *>(&state), arg);
        });
        return 0;
    } catch (...) {
        return -1;
    }
}

// The library's loop condition; the first call starts the clock, the last stops it.
extern "C" int pb_gbench_keep_running(pb_gbench_state *state)
{
    return unwrap(state).KeepRunning() ? 1 : 0;
}

// Batched: one call accounts for n iterations (the last batch may overshoot the request).
extern "C" int pb_gbench_keep_running_batch(pb_gbench_state *state, int64_t n)
{
    assert(n >= 1);
    return unwrap(state).KeepRunningBatch(n) ? 1 : 0;
}

// The iteration count the library chose for this call of the benchmark function.
extern "C" int64_t pb_gbench_max_iterations(const pb_gbench_state *state)
{
    return unwrap(state).max_iterations;
}

// Completed iterations; after the loop, the count the results are divided by.
extern "C" int64_t pb_gbench_iterations(const pb_gbench_state *state)
{
    return unwrap(state).iterations();
}

// Stops the clock, for setup work inside the loop.
extern "C" void pb_gbench_pause(pb_gbench_state *state) { unwrap(state).PauseTiming(); }

// Restarts the clock after pb_gbench_pause.
extern "C" void pb_gbench_resume(pb_gbench_state *state) { unwrap(state).ResumeTiming(); }

// Total items over all iterations; the library reports them per second.
extern "C" void pb_gbench_set_items_processed(pb_gbench_state *state, int64_t items)
{
    unwrap(state).SetItemsProcessed(items);
}

// Total bytes over all iterations; the library reports them per second.
extern "C" void pb_gbench_set_bytes_processed(pb_gbench_state *state, int64_t bytes)
{
    unwrap(state).SetBytesProcessed(bytes);
}

// SetLabel copies the string into the run's report.
extern "C" void pb_gbench_set_label(pb_gbench_state *state, const char *label)
{
    try {
        unwrap(state).SetLabel(label ? label : "");
    } catch (...) {
        // Out of memory for a label: the result stays valid without it.
    }
}

// Counters live in a std::map keyed by name: inserting may allocate.
extern "C" void pb_gbench_set_counter(pb_gbench_state *state, const char *name, double value,
                                      uint32_t flags)
{
    if (!name)
        return;
    try {
        unwrap(state).counters[name] = benchmark::Counter(value, counter_flags(flags));
    } catch (...) {
        // As for labels: a missing counter is better than an exception through C.
    }
}

// SkipWithError also stops a running clock and ends the KeepRunning loop.
extern "C" void pb_gbench_skip_with_error(pb_gbench_state *state, const char *message)
{
    unwrap(state).SkipWithError(message ? message : "failed");
}

// Initialize removes the flags it knows from a copy of argv; anything left over is a flag
// it does not know, refused before any benchmark runs.
extern "C" int pb_gbench_run(int argc, char **argv)
{
    int status = -1;
    try {
        // The library keeps a pointer to argv[0] as the context's executable name: give it
        // a string that outlives every report.
        static std::string program;
        program = argc > 0 && argv[0] ? argv[0] : "plugbench";
        std::vector<char *> args{&program[0]};
        for (int i = 1; i < argc; i++)
            args.push_back(argv[i]);
        args.push_back(nullptr);
        int n = static_cast<int>(args.size()) - 1;
        benchmark::Initialize(&n, args.data());
        if (!benchmark::ReportUnrecognizedArguments(n, args.data())) {
            // Not RunSpecifiedBenchmarks(): from 1.7 to 1.9 it deletes the static default
            // reporter it made, and a second call in the process uses it after free
            // (google/benchmark#2240). Passed in, the reporter is not deleted; it keeps the
            // --benchmark_format of the first call.
            auto display = benchmark::CreateDefaultDisplayReporter();
            size_t ran = benchmark::RunSpecifiedBenchmarks(reporter_of(display));
            status = ran > 1000000 ? 1000000 : static_cast<int>(ran);
        }
    } catch (...) {
        status = -1;
    }
    // Not benchmark::Shutdown(): 1.7.1's deletes the custom context without forgetting it,
    // so a later run would read freed memory; and we add no custom context to free.
    try {
        benchmark::ClearRegisteredBenchmarks();
    } catch (...) {
        // Nothing left to report; the next pb_gbench_run starts from its own registrations.
    }
    return status;
}
