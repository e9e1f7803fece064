/* Compiled with -std=c11 -pedantic -Werror: the public headers stand alone. */
#include "plugbench/microkernels.h" /* first: it must stand alone */
#include "plugbench/plugin.h"
#include "plugbench/blackbox.h"
#include "plugbench/rng.h"
#include "plugbench/transport.h"
#include "plugbench/stochastic.h"
#include "plugbench/nn.h"
#include "plugbench/rnn.h"
#include "plugbench/policy.h"
#include "plugbench/bilevel.h"
#include "plugbench/sequence.h"
#include "plugbench/saddle.h"
#include "plugbench/completion.h"
#include "plugbench/kit.h"

#include <stddef.h>

/* The ABI's layout promises: fixed-width members, the version fields first. */
_Static_assert(offsetof(pb_plugin, abi_major) == 0, "abi_major comes first");
_Static_assert(sizeof(pb_value) == 8, "pb_value is 8 bytes");
_Static_assert(offsetof(pb_stochastic, struct_size) == 0, "pb_stochastic starts with struct_size");
_Static_assert(offsetof(pb_policy, struct_size) == 0, "pb_policy starts with struct_size");
_Static_assert(offsetof(pb_transport, struct_size) == 0, "pb_transport starts with struct_size");
_Static_assert(offsetof(pb_saddle, struct_size) == 0, "pb_saddle starts with struct_size");
_Static_assert(offsetof(pb_completion, struct_size) == 0, "pb_completion starts with struct_size");
_Static_assert(offsetof(pb_sequence, struct_size) == 0 &&
                   offsetof(pb_sequence_model, struct_size) == 0,
               "pb_sequence and pb_sequence_model start with struct_size");
_Static_assert(offsetof(pb_microkernels, struct_size) == 0 &&
                   offsetof(pb_microkernel, struct_size) == 0,
               "extension tables start with struct_size");

int pb_header_check_c(void);
int pb_header_check_c(void) { return PB_ABI_MAJOR; }
