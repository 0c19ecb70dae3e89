#ifndef METAEXPLORE_CBLAS_SHIM_H
#define METAEXPLORE_CBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS extension: the engine pins BLAS to one thread (small matrices; threads cost more than they save).
void openblas_set_num_threads(int num_threads);
// OpenBLAS extension: the name of the kernel family chosen for this CPU (reported by the benchmarks).
char *openblas_get_corename(void);
#endif
