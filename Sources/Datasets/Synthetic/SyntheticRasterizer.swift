import Foundation
import Preprocessing

/// Paints a `SyntheticScene` into an `RGBImage` with 2×2 supersampling: each pixel averages four
/// sample points, each coloured by the background and then the objects in order (later on top).
enum SyntheticRasterizer {
  static func render(_ scene: SyntheticScene, size: Int) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: size * size * 3)
    let side = Float(size)
    let offsets: [Float] = [0.25, 0.75]
    // Per object: centre and radius in pixels, and the pixel rows/columns it can touch.
    struct Placed { var o: SyntheticObject; var cx, cy, r: Float; var x0, x1, y0, y1: Int }
    let placed = scene.objects.map { o -> Placed in
      let cx = o.x * side, cy = o.y * side, r = o.radius * side
      return Placed(o: o, cx: cx, cy: cy, r: r, x0: max(0, Int(cx - r) - 1), x1: min(size - 1, Int(cx + r) + 1),
                    y0: max(0, Int(cy - r) - 1), y1: min(size - 1, Int(cy + r) + 1))
    }
    let outlineWidth = max(1, side * 0.012)
    for y in 0..<size {
      for x in 0..<size {
        var sum = (0, 0, 0)
        for oy in offsets {
          for ox in offsets {
            let px = Float(x) + ox, py = Float(y) + oy
            var c = background(scene.background, px / side, py / side, x, y)
            for p in placed where x >= p.x0 && x <= p.x1 && y >= p.y0 && y <= p.y1 {
              let dx = px - p.cx, dy = py - p.cy
              if let line = p.o.outline {
                if inside(p.o.shape, dx, dy, p.r) {
                  c = inside(p.o.shape, dx, dy, p.r - outlineWidth) ? p.o.fill : line
                }
              } else if inside(p.o.shape, dx, dy, p.r) {
                c = p.o.fill
              }
            }
            sum.0 += Int(c.0); sum.1 += Int(c.1); sum.2 += Int(c.2)
          }
        }
        let i = (y * size + x) * 3
        pixels[i] = UInt8((sum.0 + 2) / 4)
        pixels[i + 1] = UInt8((sum.1 + 2) / 4)
        pixels[i + 2] = UInt8((sum.2 + 2) / 4)
      }
    }
    return RGBImage(width: size, height: size, pixels: pixels)
  }

  /// The background colour at (u, v) (fractions of the side); (x, y) is the pixel, for noise.
  static func background(_ b: SyntheticBackground, _ u: Float, _ v: Float, _ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
    func rgb(_ c: [UInt8]) -> (UInt8, UInt8, UInt8) { (c[0], c[1], c[2]) }
    switch b {
    case let .plain(r, g, bl): return (r, g, bl)
    case let .gradient(from, to, vertical):
      let t = min(max(vertical ? v : u, 0), 1)
      func mix(_ i: Int) -> UInt8 { UInt8((Float(from[i]) * (1 - t) + Float(to[i]) * t).rounded()) }
      return (mix(0), mix(1), mix(2))
    case let .stripes(a, c, period, vertical):
      return Int(((vertical ? u : v) / period).rounded(.down)) % 2 == 0 ? rgb(a) : rgb(c)
    case let .checker(a, c, period):
      return (Int((u / period).rounded(.down)) + Int((v / period).rounded(.down))) % 2 == 0 ? rgb(a) : rgb(c)
    case let .noise(base, amount, salt):
      var h = UInt64(truncatingIfNeeded: x) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: y) &* 0xC2B2_AE3D_27D4_EB4F ^ salt
      h ^= h >> 31; h &*= 0xBF58_476D_1CE4_E5B9; h ^= h >> 29
      let d = Int(h % UInt64(2 * amount + 1)) - amount
      return (UInt8(clamping: Int(base[0]) + d), UInt8(clamping: Int(base[1]) + d), UInt8(clamping: Int(base[2]) + d))
    }
  }

  /// Whether offset (dx, dy) from an object's centre lies in `shape` of radius `r` (pixels).
  static func inside(_ shape: SyntheticShape, _ dx: Float, _ dy: Float, _ r: Float) -> Bool {
    guard r > 0 else { return false }
    let u = dx / r, v = dy / r
    switch shape {
    case .circle: return u * u + v * v <= 1
    case .ring: let d = u * u + v * v; return d <= 1 && d >= 0.36
    case .square: return abs(u) <= 0.85 && abs(v) <= 0.85
    case .triangle: return inPolygon(u, v, triangle)
    case .hexagon: return inPolygon(u, v, hexagon)
    case .star: return inPolygon(u, v, star)
    }
  }

  /// Even–odd test against a closed polygon.
  private static func inPolygon(_ x: Float, _ y: Float, _ vertices: [(Float, Float)]) -> Bool {
    var result = false
    var j = vertices.count - 1
    for i in vertices.indices {
      let (xi, yi) = vertices[i], (xj, yj) = vertices[j]
      if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { result.toggle() }
      j = i
    }
    return result
  }

  /// `n` points on a circle of radius `radius`, the first straight up.
  private static func regular(_ n: Int, radius: (Int) -> Float) -> [(Float, Float)] {
    (0..<n).map { i in
      let angle = -Double.pi / 2 + 2 * Double.pi * Double(i) / Double(n)
      return (Float(cos(angle)) * radius(i), Float(sin(angle)) * radius(i))
    }
  }

  // An upward triangle shifted down so it sits centred in its circle's box.
  private static let triangle = regular(3) { _ in 1 }.map { ($0.0 * 1.05, $0.1 * 1.05 + 0.15) }
  private static let hexagon = regular(6) { _ in 1 }
  private static let star = regular(10) { $0 % 2 == 0 ? 1 : 0.45 }
}
