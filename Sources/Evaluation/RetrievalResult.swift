/// Image–text retrieval metrics. JSON keys: `image_to_text`, `text_to_image`, `mean_cosine`,
/// `images`, `texts`.
public struct RetrievalResult: Codable, Equatable, Sendable {
  /// Image queries retrieving texts: a hit at k when any of the image's captions is in the top k.
  public var imageToText: RecallAtK
  /// Text queries retrieving images: a hit at k when the caption's image is in the top k.
  public var textToImage: RecallAtK
  /// Mean cosine similarity of matched (image, caption) pairs, over all captions.
  public var meanCosine: Double
  /// Number of images.
  public var images: Int
  /// Number of captions.
  public var texts: Int

  public init(imageToText: RecallAtK, textToImage: RecallAtK, meanCosine: Double, images: Int, texts: Int) {
    self.imageToText = imageToText
    self.textToImage = textToImage
    self.meanCosine = meanCosine
    self.images = images
    self.texts = texts
  }

  enum CodingKeys: String, CodingKey {
    case imageToText = "image_to_text"
    case textToImage = "text_to_image"
    case meanCosine = "mean_cosine"
    case images, texts
  }
}
