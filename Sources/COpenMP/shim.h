// The few entry points of GCC's OpenMP runtime (libgomp, which oneDNN runs its threads on) that
// ClipTune's own parallel kernels use, declared here because Swift's clang does not see GCC's omp.h.
// `GOMP_parallel` is what GCC emits for `#pragma omp parallel num_threads(n)`: it runs fn(data) on a
// team of up to n threads (the caller included) and returns when all have finished.
#ifndef CLIPTUNE_COPENMP_SHIM_H
#define CLIPTUNE_COPENMP_SHIM_H
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned int flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);
void omp_set_num_threads(int n);
void omp_set_dynamic(int dynamic);
int omp_in_parallel(void);
#endif
