#ifndef METAEXPLORE_CBLAS_SHIM_H
#define METAEXPLORE_CBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS extension: the engine pins BLAS to one thread (small matrices; threads cost more than they save).
void openblas_set_num_threads(int num_threads);
#endif
