// Elementwise kernels written in C so that each is compiled for several instruction sets and the
// widest one the CPU has is picked when the program loads (GCC/Clang `target_clones`: AVX-512
// (x86-64-v4), AVX2 (x86-64-v3) or baseline x86-64). Swift builds for baseline x86-64 only, and
// a Swift build for AVX-512 would stop with SIGILL on a CPU without it. Every variant computes
// the same values: IEEE float operations in one fixed order with no FMA contraction, so results
// do not depend on the variant chosen (and equal the Swift scalar code each kernel replaced).
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

/// Activation kinds of `cliptune_activation_forward` / `_backward` (Kernels' `Activation`).
enum { CLIPTUNE_QUICK_GELU = 0, CLIPTUNE_GELU = 1, CLIPTUNE_GELU_TANH = 2 };

/// x[i] = f(x[i]), i < count, with FastMath's exp / erf / tanh.
void cliptune_activation_forward(int kind, float *x, long count);

/// grad[i] *= f'(x[i]), i < count.
void cliptune_activation_backward(int kind, const float *x, float *grad, long count);

/// The per-step scalars of torch.optim.Adam(W)'s single-tensor update (Training's AdamEngine).
typedef struct {
  float decay, l2, lerp_weight;
  int lerp_small;
  float one_minus_weight, beta2, one_minus_beta2, bc2_sqrt, eps, neg_step_size;
} cliptune_adam_coefficients;

/// The Adam(W) update of `count` elements: moments m, v and parameter p from gradient g.
void cliptune_adam_update(const float *g, float *p, float *m, float *v, long count, const cliptune_adam_coefficients *c);

/// One LayerNorm row: y[i] = (x[i] − mean) · inv · γ[i] (+ β[i] when beta is not NULL).
void cliptune_layernorm_normalize(const float *x, const float *gamma, const float *beta, float *y, long dim,
                                  float mean, float inv);

/// One row of LayerNorm's input gradient: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ.
void cliptune_layernorm_backward_row(const float *dy, const float *x, const float *gamma, float *dx, long dim,
                                     float mean, float rstd);

/// dGamma += Σ_rows dy·x̂ and dBeta += Σ_rows dy (either may be NULL), rows in order.
void cliptune_layernorm_parameter_gradients(const float *dy, const float *x, const float *mean, const float *rstd,
                                            long rows, long dim, float *dGamma, float *dBeta);

/// out[j] += Σ_r g[r·cols + j], rows in order (a bias gradient).
void cliptune_add_column_sums(const float *g, long rows, long cols, float *out);

/// Softmax of one row in place (max, FastMath.exp, sum in order, scale); a row of −inf becomes 0.
void cliptune_softmax_row(float *p, long count);

/// The variant the loader picked, for `bench` ("x86-64-v4", "x86-64-v3", "x86-64" or "other").
const char *cliptune_ckernels_isa(void);
#endif
