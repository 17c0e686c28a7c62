// Elementwise kernels written in C so that each is compiled for several instruction sets and the
// widest one the CPU has is picked when the program loads (GCC/Clang `target_clones`: AVX-512
// (x86-64-v4), AVX2 (x86-64-v3) or baseline x86-64). Swift builds for baseline x86-64 only, and
// a Swift build for AVX-512 would stop with SIGILL on a CPU without it. Every variant computes
// the same values: integer arithmetic and one float multiply (or multiply-add written as a
// multiply then an add) per element, so results do not depend on the variant chosen.
#ifndef CLIPTUNE_CKERNELS_H
#define CLIPTUNE_CKERNELS_H
#include <stdint.h>

/// Dropout scales of a counter-based stream: element k (k < count) uses SplitMix64 output number
/// base + k / 4 of the stream keyed by `key`, and is dropped (scale 0) when the (k % 4)-th 16-bit
/// lane of that output is below `threshold`, else scaled by `keep`. A count that is not a multiple
/// of 4 uses the first lanes of its last output (the end of a draw).
///
/// dst[k] = src[k] · s_k (or dst[k] += src[k] · s_k when `accumulate`), k < count.
void cliptune_dropout_apply(uint64_t key, uint64_t base, uint16_t threshold, float keep,
                            const float *src, float *dst, long count, int accumulate);

/// Both uses of one mask at once (LoRA's backward): dropped[k] = x[k] · s_k and
/// dx[k] += path[k] · s_k, k < count.
void cliptune_dropout_apply_pair(uint64_t key, uint64_t base, uint16_t threshold, float keep,
                                 const float *x, float *dropped, const float *path, float *dx, long count);

/// The variant the loader picked, for `bench` ("x86-64-v4", "x86-64-v3", "x86-64" or "other").
const char *cliptune_ckernels_isa(void);
#endif
