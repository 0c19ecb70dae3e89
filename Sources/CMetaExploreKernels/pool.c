#include "internal.h"
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// A per-thread cache of tensor buffers, by size class. Training allocates the same few dozen buffer sizes on every
// update; going to malloc for each costs the allocator's bookkeeping. Freed buffers of up to ME_POOL_MAX_BUFFER
// bytes are kept here instead and handed out again for the next request of the same class.
//
// Size classes: 64-byte steps up to 1 KiB, then four classes per power of two (a request is rounded up by at most
// 25%). A thread keeps at most ME_POOL_PER_CLASS buffers per class and ME_POOL_DEFAULT_MB MiB in all (override with
// METAEXPLORE_POOL_MB; 0 turns the cache off); beyond that, buffers go back to free(). A buffer may be freed on
// another thread than the one that allocated it (it joins that thread's cache). A thread's cache is released when
// the thread exits.
//
// Larger buffers (a batch of 16 000 rows, the TD3 networks' activations at batch 256) go to malloc, which glibc
// would serve with a fresh mmap above its mmap threshold (128 KiB at first) and unmap on free, paying a page fault
// per 4 KiB on every call. When the cache is on, the first buffer request therefore also sets glibc's mmap
// threshold to 256 MiB and its trim threshold to 512 MiB (mallopt), so such buffers are recycled from the heap —
// unless the user set MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_, which are then left to glibc. Caching them
// here instead would keep buffers of one-off sizes (a checkpoint's copy of a growing replay buffer) forever.

#define ME_POOL_CLASSES 160
#define ME_POOL_PER_CLASS 64
#define ME_POOL_DEFAULT_MB 64
#define ME_POOL_MAX_BUFFER ((size_t)1 << 20)

typedef struct me_block { struct me_block *next; } me_block;

typedef struct {
    me_block *head[ME_POOL_CLASSES];
    uint32_t count[ME_POOL_CLASSES];
    size_t cached_bytes;
} me_pool;

static __thread me_pool *me_thread_pool;
static __thread int me_thread_pool_state;  // 0: not set up, 1: active, 2: disabled or torn down
static pthread_key_t me_pool_key;
static pthread_once_t me_pool_once = PTHREAD_ONCE_INIT;
static size_t me_pool_limit;

static void me_pool_release(void *arg) {
    me_pool *pool = arg;
    for (int c = 0; c < ME_POOL_CLASSES; c++) {
        me_block *b = pool->head[c];
        while (b) { me_block *n = b->next; free(b); b = n; }
    }
    free(pool);
    me_thread_pool = NULL;
    me_thread_pool_state = 2;
}

static void me_pool_global_init(void) {
    pthread_key_create(&me_pool_key, me_pool_release);
    const char *mb = getenv("METAEXPLORE_POOL_MB");
    long v = mb && *mb ? strtol(mb, NULL, 10) : ME_POOL_DEFAULT_MB;
    me_pool_limit = v > 0 ? (size_t)v << 20 : 0;
#ifdef M_MMAP_THRESHOLD
    if (me_pool_limit > 0 && !getenv("MALLOC_MMAP_THRESHOLD_") && !getenv("MALLOC_TRIM_THRESHOLD_")) {
        mallopt(M_MMAP_THRESHOLD, 256 << 20);
        mallopt(M_TRIM_THRESHOLD, 512 << 20);
    }
#endif
}

// The class of a request and the byte size every buffer of that class has; -1 when too large to cache.
static inline int me_size_class(size_t bytes, size_t *class_bytes) {
    if (bytes > ME_POOL_MAX_BUFFER) return -1;
    if (bytes <= 1024) {
        size_t c = (bytes + 63) / 64;  // 1...16
        if (c == 0) c = 1;
        *class_bytes = c * 64;
        return (int)c - 1;
    }
    // bytes in (2^e, 2^(e+1)], e ≥ 10: quarter steps of 2^(e-2).
    int e = 63 - __builtin_clzll((unsigned long long)(bytes - 1));
    size_t quarter = (size_t)1 << (e - 2);
    size_t q = (bytes - 1 - ((size_t)1 << e)) / quarter;  // 0...3
    int c = 16 + (e - 10) * 4 + (int)q;
    if (c >= ME_POOL_CLASSES) return -1;
    *class_bytes = ((size_t)1 << e) + (q + 1) * quarter;
    return c;
}

static inline me_pool *me_pool_get(void) {
    if (__builtin_expect(me_thread_pool_state == 1, 1)) return me_thread_pool;
    if (me_thread_pool_state == 2) return NULL;
    pthread_once(&me_pool_once, me_pool_global_init);
    if (me_pool_limit == 0) { me_thread_pool_state = 2; return NULL; }
    me_pool *pool = calloc(1, sizeof *pool);
    if (!pool) { me_thread_pool_state = 2; return NULL; }
    me_thread_pool = pool;
    me_thread_pool_state = 1;
    pthread_setspecific(me_pool_key, pool);
    return pool;
}

void *me_buffer_alloc(size_t bytes) {
    // Every tensor is born here, so a thread gets the engine's floating-point setup before its first tensor
    // exists, whichever op comes first (network construction, a checkpoint load, a product).
    me_engine_thread_enter();
    size_t class_bytes;
    int c = me_size_class(bytes, &class_bytes);
    me_pool *pool = me_pool_get();  // also applies the malloc settings on the process's first request
    if (c < 0) return malloc(bytes);
    if (pool && pool->head[c]) {
        me_block *b = pool->head[c];
        pool->head[c] = b->next;
        pool->count[c]--;
        pool->cached_bytes -= class_bytes;
        return b;
    }
    return malloc(class_bytes);
}

void me_buffer_free(void *p, size_t bytes) {
    if (!p) return;
    size_t class_bytes;
    int c = me_size_class(bytes, &class_bytes);
    me_pool *pool = c < 0 ? NULL : me_pool_get();
    if (!pool || pool->count[c] >= ME_POOL_PER_CLASS || pool->cached_bytes + class_bytes > me_pool_limit) {
        free(p);
        return;
    }
    me_block *b = p;
    b->next = pool->head[c];
    pool->head[c] = b;
    pool->count[c]++;
    pool->cached_bytes += class_bytes;
}

size_t me_buffer_pool_cached_bytes(void) {
    me_pool *pool = me_thread_pool_state == 1 ? me_thread_pool : NULL;
    return pool ? pool->cached_bytes : 0;
}

void me_buffer_pool_trim(void) {
    me_pool *pool = me_thread_pool_state == 1 ? me_thread_pool : NULL;
    if (!pool) return;
    for (int c = 0; c < ME_POOL_CLASSES; c++) {
        me_block *b = pool->head[c];
        while (b) { me_block *n = b->next; free(b); b = n; }
        pool->head[c] = NULL;
        pool->count[c] = 0;
    }
    pool->cached_bytes = 0;
}
