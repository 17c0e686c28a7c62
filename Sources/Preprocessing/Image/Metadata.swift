/// Finds the EXIF orientation the way Pillow's `Image.getexif()` + `ImageOps.exif_transpose` do:
/// tag 0x0112 in IFD0 of the EXIF block; when the tag is absent, `tiff:Orientation` in XMP.
enum OrientationMetadata {
  /// The orientation to apply (`.up` when there is none or it is not one of 2…8).
  static func orientation(exif: UnsafeRawBufferPointer?, xmp: UnsafeRawBufferPointer?) -> ExifOrientation {
    let value = exif.flatMap(exifOrientationTag) ?? xmp.flatMap(xmpOrientation)
    return value.flatMap(ExifOrientation.init(rawValue:)) ?? .up
  }

  /// The Orientation value in IFD0 of an EXIF block (TIFF header, optionally preceded by
  /// "Exif\0\0"); nil when the tag is absent, not a single integer, or the block is not TIFF.
  static func exifOrientationTag(_ block: UnsafeRawBufferPointer) -> Int? {
    var tiff = block
    if tiff.count >= 6, Array(tiff[0..<6]) == Array("Exif\0\0".utf8) {
      tiff = UnsafeRawBufferPointer(rebasing: tiff[6...])
    }
    guard tiff.count >= 8 else { return nil }
    let little: Bool
    switch (tiff[0], tiff[1]) {
    case (0x49, 0x49): little = true   // "II"
    case (0x4D, 0x4D): little = false  // "MM"
    default: return nil
    }
    func u8(_ at: Int) -> Int? {
      guard at >= 0, at < tiff.count else { return nil }
      return Int(tiff[at])
    }
    func u16(_ at: Int) -> Int? {
      guard at >= 0, at + 2 <= tiff.count else { return nil }
      return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
    }
    func u32(_ at: Int) -> Int? {
      guard let a = u16(at), let b = u16(at + 2) else { return nil }
      return little ? a | b << 16 : a << 16 | b
    }
    guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
    var found: Int? = nil
    for e in 0..<entries {
      let at = ifd + 2 + 12 * e
      // Pillow keeps the entries read before a truncated directory.
      guard let tag = u16(at), let type = u16(at + 2), let count = u32(at + 4) else { break }
      guard tag == 0x0112 else { continue }
      switch (type, count) {
      case (3, 1), (8, 1): found = u16(at + 8)               // SHORT, SSHORT
      case (4, 1), (9, 1): found = u32(at + 8)               // LONG, SLONG
      case (1, 1), (6, 1), (7, 1): found = u8(at + 8)         // BYTE, SBYTE, UNDEFINED
      default: found = 0  // Pillow hands back a tuple or a string: present, but no transpose
      }
    }
    return found
  }

  /// The digit after `tiff:Orientation="` or `tiff:Orientation>` in XMP, like Pillow's regex
  /// `tiff:Orientation(="|>)([0-9])`.
  static func xmpOrientation(_ xmp: UnsafeRawBufferPointer) -> Int? {
    let key = Array("tiff:Orientation".utf8)
    let n = xmp.count, k = key.count
    guard n > k else { return nil }
    var i = 0
    while i + k < n {
      if xmp[i] == key[0] && xmp[i + 1] == key[1] {
        var j = 2
        while j < k && xmp[i + j] == key[j] { j += 1 }
        if j == k {
          var p = i + k
          if xmp[p] == UInt8(ascii: "=") && p + 1 < n && xmp[p + 1] == UInt8(ascii: "\"") {
            p += 2
          } else if xmp[p] == UInt8(ascii: ">") {
            p += 1
          } else {
            i += 1
            continue
          }
          if p < n, xmp[p] >= UInt8(ascii: "0"), xmp[p] <= UInt8(ascii: "9") {
            return Int(xmp[p] - UInt8(ascii: "0"))
          }
        }
      }
      i += 1
    }
    return nil
  }

  /// Decodes ImageMagick's "Raw profile type exif" text ("\nexif\n   <len>\n<hex lines>") the
  /// way Pillow does: the hex digits of every line after the third.
  static func rawProfileBytes(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
    var lines = 0, digits: [UInt8] = []
    for b in text {
      if b == UInt8(ascii: "\n") { lines += 1; continue }
      if lines >= 3 { digits.append(b) }
    }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
      default: return nil
      }
    }
    let hex = digits.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }
    guard hex.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(hex.count / 2)
    var i = 0
    while i < hex.count {
      guard let hi = nibble(hex[i]), let lo = nibble(hex[i + 1]) else { return nil }
      out.append(hi << 4 | lo)
      i += 2
    }
    return out
  }
}

/// The APP1 segments of a JPEG that carry orientation, found by walking the markers before the
/// first scan the way Pillow's JpegImagePlugin does.
struct JPEGSegments {
  /// Byte range of the first "Exif\0\0" APP1 payload (including that prefix).
  var exif: Range<Int>?
  /// Byte range of the last XMP APP1 packet (after its namespace header).
  var xmp: Range<Int>?

  init(_ bytes: UnsafeRawBufferPointer) {
    let exifID = Array("Exif\0\0".utf8)
    let xmpID = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
    func starts(_ range: Range<Int>, with prefix: [UInt8]) -> Bool {
      range.count >= prefix.count && prefix.indices.allSatisfy { bytes[range.lowerBound + $0] == prefix[$0] }
    }
    var p = 2  // after SOI
    let n = bytes.count
    while p + 1 < n {
      guard bytes[p] == 0xFF else { p += 1; continue }  // skip junk between segments
      let marker = bytes[p + 1]
      if marker == 0xFF { p += 1; continue }            // fill byte
      if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { p += 2; continue }
      if marker == 0xDA || marker == 0xD9 { break }      // start of scan / end of image
      guard p + 4 <= n else { break }
      let length = Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
      guard length >= 2, p + 2 + length <= n else { break }
      let payload = (p + 4)..<(p + 2 + length)
      if marker == 0xE1 {
        if starts(payload, with: exifID) {
          if exif == nil { exif = payload }
        } else if starts(payload, with: xmpID) {
          xmp = (payload.lowerBound + xmpID.count)..<payload.upperBound
        }
      }
      p += 2 + length
    }
  }
}
