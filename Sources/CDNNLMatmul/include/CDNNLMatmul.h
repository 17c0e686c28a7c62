// oneDNN's matmul primitive for row-major C = alpha · A · Bᵀ + beta · C (A: M×K, B: N×K, both with
// row strides), created once per shape and kept: on this project's CPUs its brgemm kernels run the
// x·Wᵀ products of small and medium batches up to 1.4× faster than `dnnl_sgemm`'s 'T' path
// (docs/performance.md). Linux with oneDNN only.
#ifndef CLIPTUNE_CDNNLMATMUL_H
#define CLIPTUNE_CDNNLMATMUL_H

/// Computes the product with a cached primitive on the calling thread's OpenMP team size.
/// Returns 0 on success; −status when no primitive could be made for the problem (C untouched:
/// use another GEMM); +status when executing it failed (C undefined). Calls are
/// serialised by a lock, so it is safe (though not concurrent) from several threads.
int cliptune_matmul_nt(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc);

/// Primitives currently cached (for tests).
int cliptune_matmul_cached(void);
#endif
