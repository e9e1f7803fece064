/* PB__UNDER_ASAN is defined when AddressSanitizer instruments this translation unit. */
#ifndef PLUGBENCH_SANITIZERS_H
#define PLUGBENCH_SANITIZERS_H

/* GCC says __SANITIZE_ADDRESS__; clang (before 17 at least) only __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define PB__UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB__UNDER_ASAN 1
#endif
#endif

#endif
