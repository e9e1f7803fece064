/* The plugin authoring kit; see plugbench/kit.h. */
#include "plugbench/kit.h"

#include <assert.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t pb_fail(const pb_context *ctx, int32_t code, const char *fmt, ...)
{
    if (ctx && ctx->error && ctx->error_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->error, ctx->error_size, fmt, ap);
        va_end(ap);
    }
    return code;
}

const void *pb_oracle_of(const pb_context *ctx, const char *kind)
{
    const pb_problem *problem = ctx->problem;
    if (!problem->kind || strcmp(problem->kind, kind) != 0) {
        pb_fail(ctx, PB_ERR_INVALID, "the problem is of kind %s; this plugin solves %s",
                problem->kind ? problem->kind : "(none)", kind);
        return NULL;
    }
    return problem->oracle;
}

int32_t pb_create_checked(const pb_plugin *declared, const pb_context *ctx, void **out)
{
    if (!pb_oracle_of(ctx, declared->kind))
        return PB_ERR_INVALID;
    return declared->create(ctx, out);
}

/* n rounded up to a multiple of the strictest alignment; SIZE_MAX when that overflows. */
static size_t aligned(size_t n)
{
    const size_t a = alignof(max_align_t);
    return n > SIZE_MAX - (a - 1) ? SIZE_MAX : (n + a - 1) / a * a;
}

/* The block's total size in bytes, arrays included; SIZE_MAX when it overflows size_t. */
static size_t block_size(size_t size, size_t n_arrays, const pb_array arrays[])
{
    size_t total = aligned(size);
    if (total == SIZE_MAX)
        return SIZE_MAX;
    for (size_t k = 0; k < n_arrays; k++) {
        if (arrays[k].size && arrays[k].count > SIZE_MAX / arrays[k].size)
            return SIZE_MAX;
        size_t bytes = aligned(arrays[k].count * arrays[k].size);
        if (bytes == SIZE_MAX || bytes > SIZE_MAX - total)
            return SIZE_MAX;
        total += bytes;
    }
    return total;
}

/* Points each array's member in the struct at owner (of `size` bytes) at its array, laid
 * out in block from byte `at` on; block_size checked every sum. */
static void place(char *owner, size_t size, char *block, size_t at, size_t n_arrays,
                  const pb_array arrays[])
{
    for (size_t k = 0; k < n_arrays; k++) {
        assert(arrays[k].offset + sizeof(void *) <= size);
        void *array = block + at;
        memcpy(owner + arrays[k].offset, &array, sizeof array);
        at += aligned(arrays[k].count * arrays[k].size);
    }
}

void *pb_block_new(size_t size, size_t n_arrays, const pb_array arrays[])
{
    size_t total = block_size(size, n_arrays, arrays);
    char *block = total != SIZE_MAX ? calloc(1, total) : NULL;
    if (!block)
        return NULL;
    place(block, size, block, aligned(size), n_arrays, arrays);
    return block;
}

/* The message of a block of `total` bytes (SIZE_MAX: overflowed) that could not be had. */
static int32_t out_of_memory(const pb_context *ctx, const char *what, size_t total)
{
    if (total != SIZE_MAX)
        return pb_fail(ctx, PB_ERR_NOMEM, "out of memory for %s (%zu bytes)", what, total);
    return pb_fail(ctx, PB_ERR_NOMEM, "out of memory: the size of %s overflows", what);
}

void *pb_state_new(const pb_context *ctx, size_t size, size_t n_arrays, const pb_array arrays[])
{
    pb_state_head *head = pb_block_new(size, n_arrays, arrays);
    if (!head) {
        out_of_memory(ctx, "the state", block_size(size, n_arrays, arrays));
        return NULL;
    }
    head->ctx = ctx;
    /* The convention: the first array is the solution (a state whose solution lies elsewhere
     * sets head.solution itself; a kind without one, sequence, ignores it). */
    if (n_arrays)
        head->solution = (const double *)((char *)head + aligned(size));
    return head;
}

int32_t pb_state_extra(void *state, size_t size, size_t n_arrays, const pb_array arrays[])
{
    pb_state_head *head = state;
    size_t total = block_size(0, n_arrays, arrays);
    /* calloc(1, 0) may return NULL: a block of no bytes still takes one. */
    char *block = total != SIZE_MAX ? calloc(1, total ? total : 1) : NULL;
    if (!block)
        return out_of_memory(head->ctx, "the state's extra arrays", total);
    place(state, size, block, 0, n_arrays, arrays);
    free(head->extra);
    head->extra = block;
    return 0;
}

void pb_state_free(void *state)
{
    pb_state_head *head = state;
    if (head)
        free(head->extra);
    free(state);
}

int32_t pb_state_solution(void *state, double *out)
{
    const pb_state_head *head = state;
    uint64_t n = head->ctx->problem->solution_length;
    if (n) /* a kind without a solution vector (sequence) may leave head.solution NULL */
        memcpy(out, head->solution, n * sizeof *out);
    return 0;
}

const void *pb_extension_find(const pb_extension *extensions, size_t n, const char *id)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(extensions[k].id, id) == 0)
            return extensions[k].table;
    return NULL;
}
