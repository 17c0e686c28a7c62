import Layers
import Tensors

/// A frozen `Linear` (or GPT-2 `Conv1D`) plus a trainable low-rank update, as PEFT's `lora.Linear`:
///
///     y = base(x) + scaling · (drop(x) Aᵀ) Bᵀ      x: [..., in] → y: [..., out]
///
/// with A: [r, in] (`<module>.lora_A.weight`) and B: [out, r] (`<module>.lora_B.weight`), where
/// `<module>` is the base layer's HF module name. `drop` is inverted dropout, active only in
/// training forwards and driven by a shared `DropoutRNG`. Follows the `LinearLayer` training
/// protocol: a training forward caches what backward needs inside the layer; backward adds into
/// the gradients of A and B (when trainable) and returns dx through both paths. A frozen base gets
/// no gradient and costs no weight-gradient GEMM. Every product goes through BLAS.
///
/// A `Conv1D` base (weight [in, out]) is PEFT's `fan_in_fan_out` case: A and B keep the shapes
/// above (PEFT builds them from the layer's in/out features either way) and only merging
/// transposes the update.
public final class LoRALinear: LinearLayer {
  /// The wrapped layer (`Linear` or `Conv1D`); its parameters keep their HF names.
  public let base: DenseLayer
  /// The base's HF module name, e.g. `text_model.encoder.layers.0.self_attn.q_proj`.
  public let moduleName: String
  public let loraA: Parameter  // [r, in]
  public let loraB: Parameter  // [out, r]
  /// Factor on the low-rank path (alpha / r, or alpha / √r for rank-stabilised LoRA).
  public let scaling: Float
  /// Dropout probability on the LoRA path's input (training only).
  public let dropout: Float
  /// Source of dropout masks; shared by every layer of an adapter.
  public let dropoutRNG: DropoutRNG

  // Training caches (see `forward`), dropped by `backward`.
  // The input is kept as given (its buffer is shared with the caller and the sibling projections)
  // and the dropout mask as the RNG state it was drawn from: backward regenerates it, so a LoRA
  // layer adds only [N, r] of memory, not two input-sized copies. With dropout, forward and
  // backward fuse the mask into the low-rank products (`LoRADropoutKernel`): drop(x) and the
  // input-gradient path exist only as a few hundred rows at a time (≤ 2 MB of scratch), never at [N, in].
  private var cachedInput: Tensor?           // x: [N, in], for dA
  private var cachedHidden: Tensor?          // drop(x) Aᵀ: [N, r], for dB
  private var cachedDropoutStart: DropoutRNG.State? // where the mask's draws began, for dA and dx

  /// Wraps `base` with given A [r, in] and B [out, r].
  public init(wrapping base: DenseLayer, loraA: Tensor, loraB: Tensor, scaling: Float, dropout: Float = 0,
              dropoutRNG: DropoutRNG = DropoutRNG(seed: 0)) {
    let r = loraA.shape.first ?? 0
    precondition(loraA.shape == [r, base.inFeatures] && r > 0, "lora_A \(loraA.shape) for \(base.inFeatures) inputs")
    precondition(loraB.shape == [base.outFeatures, r], "lora_B \(loraB.shape) for rank \(r), \(base.outFeatures) outputs")
    precondition(dropout >= 0 && dropout < 1, "dropout \(dropout) outside [0, 1)")
    self.base = base
    moduleName = base.weight.name.hasSuffix(".weight") ? String(base.weight.name.dropLast(7)) : base.weight.name
    self.loraA = Parameter("\(moduleName).lora_A.weight", loraA)
    self.loraB = Parameter("\(moduleName).lora_B.weight", loraB)
    self.scaling = scaling
    self.dropout = dropout
    self.dropoutRNG = dropoutRNG
  }

  /// Wraps `base` with PEFT's default initialisation: A kaiming-uniform with a = √5, i.e.
  /// U(−1/√in, 1/√in), drawn row-major from `rng`; B zeros (so the wrapped layer starts as `base`).
  public convenience init(wrapping base: DenseLayer, rank: Int, scaling: Float, dropout: Float = 0,
                          dropoutRNG: DropoutRNG = DropoutRNG(seed: 0), rng: inout SeededRNG) {
    let bound = 1 / Float(base.inFeatures).squareRoot()
    self.init(wrapping: base, loraA: .randomUniform([rank, base.inFeatures], low: -bound, high: bound, rng: &rng),
              loraB: Tensor(zeros: [base.outFeatures, rank]), scaling: scaling, dropout: dropout, dropoutRNG: dropoutRNG)
  }

  public var rank: Int { loraA.shape[0] }
  public var inFeatures: Int { base.inFeatures }
  public var outFeatures: Int { base.outFeatures }
  /// The base's parameters (HF names), then lora_A and lora_B, as PEFT orders them.
  public var parameters: [Parameter] { base.parameters + [loraA, loraB] }
  /// Just lora_A and lora_B.
  public var loraParameters: [Parameter] { [loraA, loraB] }

  public func forward(_ x: Tensor, training: Bool) -> Tensor {
    precondition(x.shape.last == inFeatures, "\(moduleName): input \(x.shape) for \(inFeatures) features")
    let n = x.count / inFeatures, (i, o, r) = (inFeatures, outFeatures, rank)
    var y = base.forward(x, training: training)  // [..., out]; a frozen base caches nothing
    var dropoutStart: DropoutRNG.State?
    var hidden = Tensor(uninitialized: [n, r])  // drop(x) Aᵀ: [N, r]
    x.data.withUnsafeBufferPointer { xp in
      loraA.value.data.withUnsafeBufferPointer { a in
        hidden.data.withUnsafeMutableBufferPointer { h in
          if training && dropout > 0 {  // drop(x) block by block, never whole (LoRADropoutKernel)
            let start = dropoutRNG.reserve(count: n * i)
            LoRADropoutKernel.forward(seed: start.seed, counter: start.counter, p: dropout, x: xp.baseAddress!, rows: n,
                                      inFeatures: i, a: a.baseAddress!, rank: r, hidden: h.baseAddress!)
            dropoutStart = start
          } else {
            BLAS.gemm(transB: true, m: n, n: r, k: i, a: xp.baseAddress!, lda: i, b: a.baseAddress!, ldb: i,
                      c: h.baseAddress!, ldc: r)
          }
        }
      }
    }
    hidden.data.withUnsafeBufferPointer { h in  // y += scaling · hidden Bᵀ   [N, out]
      loraB.value.data.withUnsafeBufferPointer { b in
        y.data.withUnsafeMutableBufferPointer { yp in
          BLAS.gemm(transB: true, m: n, n: o, k: r, alpha: scaling, a: h.baseAddress!, lda: r,
                    b: b.baseAddress!, ldb: r, beta: 1, c: yp.baseAddress!, ldc: o)
        }
      }
    }
    cachedInput = training && loraA.trainable ? x : nil
    cachedHidden = training && loraB.trainable ? hidden : nil
    cachedDropoutStart = training ? dropoutStart : nil
    return y
  }

  /// Hands the training caches to backward and forgets them: (x, h, where the dropout mask's
  /// draws began — nil without dropout).
  public func releaseCachedInput() -> Bool {
    defer { cachedInput = nil }
    return cachedInput != nil
  }

  /// The input is kept for dA only (a frozen base keeps nothing).
  public func restoreCachedInput(_ x: Tensor) { cachedInput = x }

  func takeCaches() -> (input: Tensor?, hidden: Tensor?, dropoutStart: DropoutRNG.State?) {
    defer { cachedInput = nil; cachedHidden = nil; cachedDropoutStart = nil }
    return (cachedInput, cachedHidden, cachedDropoutStart)
  }
}
