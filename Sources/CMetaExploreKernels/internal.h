#ifndef METAEXPLORE_KERNELS_INTERNAL_H
#define METAEXPLORE_KERNELS_INTERNAL_H
#include "metaexplore_kernels.h"

// Set once the calling thread has had the engine's floating-point setup (denormals.c).
extern __thread int me_thread_entered;

// The first kernel call on a thread applies the denormal policy there; later calls cost one thread-local load.
static inline void me_engine_thread_enter(void) {
    if (__builtin_expect(!me_thread_entered, 0)) me_engine_thread_setup();
}

#endif
