/*
 * The plugin authoring kit (plugbench/kit.h): one-block states (layout, alignment, zeroing,
 * overflow), the extra block sized after create(), the solution copy, typed oracle access, error messages, extension lookup, the
 * step microkernel, the descriptor macros and the kind check PB_PLUGIN installs.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plugbench/kit.h"

typedef struct layout {
    pb_state_head head;
    double *x;
    uint32_t *order;
    char *name;
    double *empty;
} layout;

/* Every byte of p[0..n) is zero. */
static int all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i])
            return 0;
    return 1;
}

static int aligned_max(const void *p) { return (uintptr_t)p % alignof(max_align_t) == 0; }

static void check_block(void)
{
    /* PB_BLOCK_NEW counts the four arrays: with a short count, empty would stay NULL. */
    layout *s = PB_BLOCK_NEW(layout, PB_ARRAY(layout, x, 3), PB_ARRAY(layout, order, 5),
                             PB_ARRAY(layout, name, 7), PB_ARRAY(layout, empty, 0));
    CHECK(s != NULL, "a block with four arrays is allocated");
    if (!s)
        return;
    const char *base = (const char *)s;
    CHECK(all_zero(&s->head, sizeof s->head), "the struct is zeroed");
    CHECK((const char *)s->x >= base + sizeof *s, "x lies after the struct");
    CHECK((const char *)s->order >= (const char *)(s->x + 3), "order lies after x's 3 doubles");
    CHECK((const char *)s->name >= (const char *)(s->order + 5), "name lies after order's 5");
    CHECK((const char *)s->empty >= s->name + 7, "an empty array points past the last one");
    CHECK(aligned_max(s->x) && aligned_max(s->order) && aligned_max(s->name),
          "every array is aligned for any type");
    CHECK(all_zero(s->x, 3 * sizeof(double)) && all_zero(s->order, 5 * sizeof(uint32_t)) &&
              all_zero(s->name, 7),
          "every array is zeroed");
    /* Writing every element stays inside the block (AddressSanitizer would say otherwise). */
    for (int i = 0; i < 3; i++)
        s->x[i] = i;
    for (int i = 0; i < 5; i++)
        s->order[i] = (uint32_t)i;
    memset(s->name, 'a', 7);
    CHECK(s->x[2] == 2 && s->order[4] == 4 && s->name[6] == 'a', "arrays do not overlap");
    free(s);

    CHECK(pb_block_new(sizeof(layout), 1, (const pb_array[]){PB_ARRAY(layout, x, SIZE_MAX / 4)}) ==
              NULL,
          "a count whose bytes overflow size_t gives NULL");
    CHECK(pb_block_new(sizeof(layout), 2,
                       (const pb_array[]){PB_ARRAY(layout, name, SIZE_MAX - 8),
                                          PB_ARRAY(layout, name, SIZE_MAX - 8)}) == NULL,
          "sizes whose sum overflows give NULL");
}

static void check_state(void)
{
    char error[128] = "";
    double oracle_table = 0;
    pb_problem problem = {.struct_size = sizeof problem, .kind = PB_KIND_BLACKBOX,
                          .oracle = &oracle_table, .solution_length = 3};
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &problem, .error = error,
                      .error_size = sizeof error};

    layout *s = PB_STATE_NEW(&ctx, layout, PB_ARRAY(layout, x, 3), PB_ARRAY(layout, empty, 3));
    CHECK(s && s->head.ctx == &ctx && s->head.solution == s->x,
          "PB_STATE_NEW sets head.ctx, and head.solution to the first array");
    if (s) {
        s->x[0] = 1.5, s->x[1] = -2, s->x[2] = 1e300;
        double out[4] = {0, 0, 0, 42};
        CHECK(pb_state_solution(s, out) == 0 && out[0] == 1.5 && out[1] == -2 &&
                  out[2] == 1e300 && out[3] == 42,
              "pb_state_solution copies solution_length doubles, no more");
        free(s);
    }
    CHECK(PB_STATE_NEW(&ctx, layout, PB_ARRAY(layout, x, SIZE_MAX / 2)) == NULL &&
              strstr(error, "out of memory") != NULL,
          "a state too large fails with a message: %s", error);

    CHECK(pb_blackbox_of(&ctx) == (const void *)&oracle_table, "the blackbox accessor on a "
                                                               "blackbox problem");
    error[0] = '\0';
    CHECK(pb_stochastic_of(&ctx) == NULL && strstr(error, PB_KIND_BLACKBOX) &&
              strstr(error, PB_KIND_STOCHASTIC),
          "another kind's accessor gives NULL, naming both kinds: %s", error);
}

static void check_extra(void)
{
    char error[128] = "";
    pb_problem problem = {.struct_size = sizeof problem, .kind = PB_KIND_SEQUENCE};
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &problem, .error = error,
                      .error_size = sizeof error};
    layout *s = PB_STATE_NEW(&ctx, layout, PB_ARRAY(layout, x, 2));
    if (!s) {
        CHECK(0, "a state is made");
        return;
    }
    CHECK(s->head.extra == NULL, "a new state has no extra block");
    CHECK(PB_STATE_EXTRA(s, layout, PB_ARRAY(layout, order, 5), PB_ARRAY(layout, name, 3)) == 0 &&
              s->head.extra == (void *)s->order && s->order && s->name,
          "PB_STATE_EXTRA points the members at a second block");
    CHECK(aligned_max(s->order) && aligned_max(s->name) &&
              s->name >= (char *)(s->order + 5) && all_zero(s->order, 5 * sizeof(uint32_t)) &&
              all_zero(s->name, 3),
          "its arrays are zeroed, aligned and follow one another");
    CHECK(s->x == s->head.solution, "the first block's arrays are left alone");
    memset(s->order, 0xff, 5 * sizeof(uint32_t));
    CHECK(PB_STATE_EXTRA(s, layout, PB_ARRAY(layout, order, 50)) == 0 &&
              all_zero(s->order, 50 * sizeof(uint32_t)),
          "a second call gives a fresh zeroed block (the first is freed: LeakSanitizer)");
    uint32_t *before = s->order;
    CHECK(PB_STATE_EXTRA(s, layout, PB_ARRAY(layout, order, SIZE_MAX / 2)) == PB_ERR_NOMEM &&
              strstr(error, "out of memory") != NULL && s->order == before &&
              s->head.extra == (void *)before,
          "a block too large fails with a message, the state unchanged: %s", error);
    pb_state_free(s); /* frees both blocks: LeakSanitizer checks */
    pb_state_free(NULL);
}

static void check_fail(void)
{
    char error[16] = "";
    pb_context ctx = {.struct_size = sizeof ctx, .error = error, .error_size = sizeof error};
    CHECK(pb_fail(&ctx, PB_ERR_INVALID, "dim %u < %d", 1u, 2) == PB_ERR_INVALID &&
              strcmp(error, "dim 1 < 2") == 0,
          "pb_fail formats the message and returns the code");
    pb_fail(&ctx, PB_ERR_FAILED, "%s", "a message longer than the buffer");
    CHECK(strlen(error) == sizeof error - 1, "a long message is cut to the buffer");
    pb_context none = {.struct_size = sizeof none};
    CHECK(pb_fail(&none, PB_ERR_NOMEM, "x") == PB_ERR_NOMEM, "no buffer: only the code");
}

static int steps;
static int32_t count_step(void *state)
{
    (void)state;
    steps++;
    return PB_CONTINUE;
}
static int32_t no_create(const pb_context *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    return 0;
}
static void no_destroy(void *state) { (void)state; }

static const int first_table = 1, second_table = 2;
PB_STEP_MICROKERNELS(kernels, no_create, count_step, no_destroy, "counts steps", 7)
PB_EXTENSIONS(extension, {"a.first/1", &first_table}, {"a.second/2", &second_table},
              {PB_MICROKERNELS_ID, &kernels})

static int32_t no_predict(void *state, uint32_t n, uint32_t steps, uint32_t k, const double *x,
                          double *out)
{
    (void)state, (void)n, (void)steps, (void)k, (void)x, (void)out;
    return 0;
}
PB_SEQUENCE_MODEL_EXTENSION(sequence_extension, no_predict, NULL)

static const pb_param params[] = {
    {.name = "a", .type = PB_PARAM_INT, .default_value = 0, .min = 0, .max = 9, .doc = "a"},
    {.name = "b", .type = PB_PARAM_REAL, .default_value = 1, .min = 0, .max = 9, .doc = "b"},
};
static const pb_param sequence_batch = PB_PARAM_SEQUENCE_BATCH("a rule");
static const pb_plugin descriptor = {PB_PLUGIN_INIT, PB_PARAMS(params), .name = "t"};
static const pb_plugin owning = {PB_PLUGIN_INIT, .name = "o",
                                 PB_STATE_LIFECYCLE_DESTROY(no_create, count_step, no_destroy)};

/* A plugin declared with PB_PLUGIN_WITH_STEP_MICROKERNEL (PB_PLUGIN and a step kernel),
 * whose create() counts its calls. */
static int creates;
static int32_t counted_create(const pb_context *ctx, void **state)
{
    (void)ctx;
    creates++;
    *state = NULL;
    return 0;
}
PB_PLUGIN_WITH_STEP_MICROKERNEL("counts steps and creates", 3, .name = "checked",
                                .kind = PB_KIND_BLACKBOX,
                                PB_STATE_LIFECYCLE(counted_create, count_step))

static void check_checked_create(void)
{
    char error[128] = "";
    double oracle_table = 0;
    pb_problem problem = {.struct_size = sizeof problem, .kind = PB_KIND_BLACKBOX,
                          .oracle = &oracle_table};
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &problem, .error = error,
                      .error_size = sizeof error};
    const pb_plugin *d = pb_plugin_entry();
    void *state = &oracle_table;
    CHECK(d->create != counted_create && d->create(&ctx, &state) == 0 && creates == 1 &&
              state == NULL,
          "PB_PLUGIN's create() calls the plugin's on a problem of its kind");
    problem.kind = PB_KIND_STOCHASTIC;
    CHECK(d->create(&ctx, &state) == PB_ERR_INVALID && creates == 1 &&
              strstr(error, PB_KIND_BLACKBOX) && strstr(error, PB_KIND_STOCHASTIC),
          "and refuses another kind without calling it, naming both kinds: %s", error);
    CHECK(strcmp(d->name, "checked") == 0 && d->step == count_step &&
              d->solution == pb_state_solution && d->destroy == pb_state_free,
          "the rest of the descriptor is as declared");

    const pb_microkernels *mk = d->extension ? d->extension(PB_MICROKERNELS_ID) : NULL;
    CHECK(mk && mk->n_kernels == 1 && strcmp(mk->kernels[0]->name, "step") == 0 &&
              strcmp(mk->kernels[0]->doc, "counts steps and creates") == 0 &&
              mk->kernels[0]->items_per_iteration == 3 && d->extension("a.first/1") == NULL,
          "PB_PLUGIN_WITH_STEP_MICROKERNEL offers the step kernel declared, and nothing else");
    if (mk && mk->n_kernels == 1) {
        const pb_microkernel *k = mk->kernels[0];
        steps = 0;
        CHECK(k->setup(&ctx, &state) == 0 && creates == 2 && state == NULL,
              "its setup is the plugin's create, unchecked (bench opens the plugin's kind)");
        CHECK(k->run(state, 4) == 0 && steps == 4, "its run is the plugin's step, 4 times: %d",
              steps);
        k->teardown(state); /* the plugin's destroy, pb_state_free: NULL does nothing */
    }
}

static void check_tables(void)
{
    CHECK(extension("a.first/1") == &first_table && extension("a.second/2") == &second_table,
          "PB_EXTENSIONS finds each id");
    CHECK(extension("a.first/2") == NULL && extension("") == NULL, "an unknown id gives NULL");
    const pb_microkernels *mk = extension(PB_MICROKERNELS_ID);
    CHECK(mk && mk->n_kernels == 1 && strcmp(mk->kernels[0]->name, "step") == 0 &&
              mk->kernels[0]->items_per_iteration == 7,
          "PB_STEP_MICROKERNELS makes one kernel named step");
    if (mk && mk->n_kernels == 1) {
        CHECK(mk->kernels[0]->run(NULL, 5) == 0 && steps == 5, "its run steps 5 times: %d",
              steps);
    }
    const pb_sequence_model *model = sequence_extension(PB_SEQUENCE_MODEL);
    CHECK(model && model->struct_size == sizeof(pb_sequence_model) &&
              model->predict == no_predict && model->generate == NULL,
          "PB_SEQUENCE_MODEL_EXTENSION offers the model given");
    CHECK(sequence_extension(PB_MICROKERNELS_ID) == NULL, "and no other extension");
    CHECK(descriptor.abi_major == PB_ABI_MAJOR && descriptor.abi_minor == PB_ABI_MINOR &&
              descriptor.struct_size == sizeof(pb_plugin),
          "PB_PLUGIN_INIT fills the ABI fields");
    CHECK(descriptor.n_params == 2 && descriptor.params == params, "PB_PARAMS counts the table");
    CHECK(owning.create == no_create && owning.step == count_step &&
              owning.solution == pb_state_solution && owning.destroy == no_destroy,
          "PB_STATE_LIFECYCLE_DESTROY fills the four calls");

    CHECK(strcmp(sequence_batch.name, "batch") == 0 && sequence_batch.type == PB_PARAM_INT &&
              sequence_batch.default_value == 0 &&
              strcmp(sequence_batch.doc, "0: a rule; else the sequences per step (capped at "
                                         "the training set)") == 0,
          "PB_PARAM_SEQUENCE_BATCH: 0 is the rule given");

    pb_value values[] = {{.integer = 0}, {.integer = 6}};
    pb_context ctx = {.struct_size = sizeof ctx, .params = values};
    CHECK(pb_param_or(&ctx, 0, 17) == 17 && pb_param_or(&ctx, 1, 17) == 6,
          "pb_param_or: the rule for 0, the value otherwise");
}

int main(void)
{
    check_block();
    check_state();
    check_extra();
    check_fail();
    check_tables();
    check_checked_create();
    return check_summary("kit");
}
