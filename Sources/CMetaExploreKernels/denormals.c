#include "internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ME_HAVE_MXCSR 1
#endif

// Denormal (subnormal) floats: below 2^-126 ≈ 1.18e-38 in float32. Intel cores take a microcode assist of the
// order of a hundred cycles for an operation with a denormal input or result; recent AMD cores take little or
// nothing. In training they come from Adam's moments of parameters whose gradient stays exactly zero (the second
// moment v decays by β₂ = 0.999 per step into the denormal range and then sticks there, since 0.999·v rounds back
// to v for a denormal of fewer than 500 units), so every later step of such a run computes on them.
//
// The engine therefore sets FTZ (flush results to zero) and DAZ (read denormal inputs as zero) in MXCSR on every
// thread it computes on, the first time a tensor buffer is allocated or a kernel runs on that thread. METAEXPLORE_DENORMALS=keep turns this off
// (read once per process). MXCSR is per thread and inherited by threads the process creates afterwards.

#define MXCSR_DAZ (1u << 6)
#define MXCSR_FTZ (1u << 15)

static int me_denormal_policy = -1;  // 1: flush, 0: keep; -1: not read yet
static pthread_once_t me_denormal_once = PTHREAD_ONCE_INIT;
__thread int me_thread_entered;

static void me_denormal_read_policy(void) {
    const char *v = getenv("METAEXPLORE_DENORMALS");
    me_denormal_policy = (v && strcmp(v, "keep") == 0) ? 0 : 1;
}

int me_denormals_policy_flush(void) {
    pthread_once(&me_denormal_once, me_denormal_read_policy);
    return me_denormal_policy;
}

int me_denormals_flush_current_thread(void) {
#ifdef ME_HAVE_MXCSR
    _mm_setcsr(_mm_getcsr() | MXCSR_DAZ | MXCSR_FTZ);
    return 1;
#else
    return 0;
#endif
}

int me_denormals_keep_current_thread(void) {
#ifdef ME_HAVE_MXCSR
    _mm_setcsr(_mm_getcsr() & ~(MXCSR_DAZ | MXCSR_FTZ));
    return 1;
#else
    return 0;
#endif
}

int me_denormals_flushed_on_current_thread(void) {
#ifdef ME_HAVE_MXCSR
    return (_mm_getcsr() & (MXCSR_DAZ | MXCSR_FTZ)) == (MXCSR_DAZ | MXCSR_FTZ);
#else
    return 0;
#endif
}

void me_engine_thread_setup(void) {
    me_thread_entered = 1;
    if (me_denormals_policy_flush()) me_denormals_flush_current_thread();
}
