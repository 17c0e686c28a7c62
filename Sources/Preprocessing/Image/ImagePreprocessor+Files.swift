import Foundation
import Tensors

extension ImagePreprocessor {
  /// Decodes image files (in parallel) and preprocesses them for a model that takes `size`×`size`
  /// pixels → [B, 3, size, size]. A file that cannot be decoded throws its decoder's error; one
  /// whose size is absurd or that would not preprocess to `size`×`size` throws
  /// `makeError(path, message)`. Errors name the file; the first failing file (by position) wins.
  public func pixelValues(files urls: [URL], modelImageSize s: Int,
                          makeError: (String, String) -> Error) throws -> Tensor {
    var images = [RGBImage?](repeating: nil, count: urls.count)
    var errors = [Error?](repeating: nil, count: urls.count)
    images.withUnsafeMutableBufferPointer { imgs in
      errors.withUnsafeMutableBufferPointer { errs in
        let ip = UnsafeSendable(imgs.baseAddress!), ep = UnsafeSendable(errs.baseAddress!)
        Parallel.forEach(urls.count) { range in
          for i in range {
            do { ip.pointer[i] = try ImageDecoder.decode(contentsOf: urls[i]) } catch { ep.pointer[i] = error }
          }
        }
      }
    }
    if let error = errors.compactMap({ $0 }).first { throw error }
    let decoded = images.compactMap { $0 }
    for (url, image) in zip(urls, decoded) {
      if let problem = sizeProblem(height: image.height, width: image.width) {
        throw makeError(url.path, problem)
      }
      let shape = outputShape(height: image.height, width: image.width)
      guard shape[1] == s, shape[2] == s else {
        throw makeError(url.path, "this \(image.width)×\(image.height) image preprocesses to \(shape[2])×\(shape[1]) pixels, but the model takes \(s)×\(s) (preprocessor_config.json has do_center_crop false and no exact size)")
      }
    }
    return try pixelValues(decoded, names: urls.map(\.path))
  }
}
