// Counts heap allocations of a process: build with
//   gcc -O2 -shared -fPIC -o /tmp/malloc_count.so scripts/bench/malloc_count.c -ldl
// and run the program with LD_PRELOAD=/tmp/malloc_count.so. At exit it prints to stderr the number of
// malloc/calloc/realloc/posix_memalign/aligned_alloc/memalign calls and the bytes they asked for.
// scripts/bench/allocations_per_update.sh turns two runs of different lengths into allocations per update.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_ulong calls, bytes;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

// dlsym itself may call calloc before real_calloc is known: serve it from a small static arena.
static char bootstrap[4096];
static size_t bootstrap_used;

static void init(void) {
    if (real_malloc) return;
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
}

static inline void count(size_t n) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, n, memory_order_relaxed);
}

void *malloc(size_t n) { init(); count(n); return real_malloc(n); }
void *calloc(size_t a, size_t b) {
    if (!real_calloc) {
        static int busy;
        if (busy) {  // called from dlsym during init
            size_t n = (a * b + 15) & ~(size_t)15;
            void *p = bootstrap + bootstrap_used;
            bootstrap_used += n;
            memset(p, 0, n);
            return p;
        }
        busy = 1;
        init();
        busy = 0;
    }
    count(a * b);
    return real_calloc(a, b);
}
void *realloc(void *p, size_t n) { init(); count(n); return real_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) { init(); count(n); return real_posix_memalign(p, a, n); }
void *aligned_alloc(size_t a, size_t n) { init(); count(n); return real_aligned_alloc(a, n); }
void *memalign(size_t a, size_t n) { init(); count(n); return real_memalign(a, n); }
void free(void *p) {
    if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof bootstrap) return;
    init();
    static void (*real_free)(void *);
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
    real_free(p);
}

__attribute__((destructor)) static void report(void) {
    char line[160];
    int n = snprintf(line, sizeof line, "malloc_count: allocations=%lu bytes=%lu\n",
                     atomic_load(&calls), atomic_load(&bytes));
    if (n > 0) { ssize_t w = write(2, line, (size_t)n); (void)w; }
}
