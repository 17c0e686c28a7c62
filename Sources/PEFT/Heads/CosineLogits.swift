import Tensors

/// The vision-language head: logits = s · (f/‖f‖)(w/‖w‖)ᵀ, image features f [B, D] against class
/// embeddings w [C, D] (text features of the class prompts), s = exp(logit_scale).
///
/// Backward, with u = f/‖f‖, v = w/‖w‖ and dz = d(loss)/d(logits) [B, C]:
/// du = s·dz·v, dv = s·dzᵀ·u; df = (du − u (u·du)) / ‖f‖ row by row, dw likewise.
/// Norms are clamped below at 1e-12 as F.normalize does.
public enum CosineLogits {
  /// The logits and what backward needs.
  public struct Forward {
    public var logits: Tensor        // [B, C]
    let u: Tensor, v: Tensor         // normalised rows
    let fNorms: [Float], wNorms: [Float]
    let scale: Float
  }

  /// f: [B, D], w: [C, D], scale s (already exponentiated) → logits [B, C].
  public static func forward(features f: Tensor, classEmbeddings w: Tensor, scale: Float) -> Forward {
    let (u, fn) = normalized(f), (v, wn) = normalized(w)
    var z = u.matmul(transposed: v)
    z.scale(by: scale)
    return Forward(logits: z, u: u, v: v, fNorms: fn, wNorms: wn, scale: scale)
  }

  /// dLogits: [B, C] → (d features [B, D], d class embeddings [C, D]).
  public static func backward(_ dz: Tensor, _ fw: Forward) -> (features: Tensor, classEmbeddings: Tensor) {
    var du = dz.matmul(fw.v)                     // [B, D]
    du.scale(by: fw.scale)
    var dv = dz.transposedMatmul(fw.u)        // [C, D]
    dv.scale(by: fw.scale)
    return (throughNormalization(du, fw.u, fw.fNorms), throughNormalization(dv, fw.v, fw.wNorms))
  }

  /// Rows divided by their L2 norm (clamped at 1e-12), and the norms.
  public static func normalized(_ x: Tensor) -> (Tensor, [Float]) {
    let n = x.shape[0], d = x.shape[1]
    var out = x
    var norms = [Float](repeating: 0, count: n)
    for i in 0..<n {
      var sum: Double = 0
      for k in 0..<d { let v = Double(x.data[i * d + k]); sum += v * v }
      let norm = max(Float(sum.squareRoot()), 1e-12)
      norms[i] = norm
      for k in 0..<d { out.data[i * d + k] = x.data[i * d + k] / norm }
    }
    return (out, norms)
  }

  /// d(x) from d(x/‖x‖): (g − u (u·g)) / ‖x‖ per row.
  public static func throughNormalization(_ g: Tensor, _ u: Tensor, _ norms: [Float]) -> Tensor {
    let n = g.shape[0], d = g.shape[1]
    var out = g
    for i in 0..<n {
      var dot: Double = 0
      for k in 0..<d { dot += Double(u.data[i * d + k]) * Double(g.data[i * d + k]) }
      for k in 0..<d { out.data[i * d + k] = (g.data[i * d + k] - u.data[i * d + k] * Float(dot)) / norms[i] }
    }
    return out
  }
}
