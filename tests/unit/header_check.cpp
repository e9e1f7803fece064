// Compiled as C++ with -pedantic -Werror: the public headers are usable from C++.
#include "plugbench/microkernels.h" // first: it must stand alone
#include "plugbench/plugin.h"
#include "plugbench/kit.h"
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

int pb_header_check_cpp();
int pb_header_check_cpp() { return PB_ABI_MAJOR + static_cast<int>(sizeof(pb_blackbox) > 0); }
