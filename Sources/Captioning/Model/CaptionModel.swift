import Foundation
import Layers
import SafeTensors
import Tensors

/// A ViT + GPT-2 captioner in Hugging Face's `VisionEncoderDecoderModel` layout: the ViT encoder
/// (`encoder.*`), `enc_to_dec_proj` when the widths differ, and the GPT-2 decoder with
/// cross-attention and its LM head tied to `wte` (`decoder.*`).
///
/// pixels [B, 3, S, S], decoder inputs [B, T] → logits [B, T, V]:
/// e = proj(ViT(pixels)) [B, N+1, C]; logits = GPT2(ids, e). Backward from d(logits) runs the
/// decoder, and the encoder only when something there trains.
public final class CaptionModel: ParameterContainer {
  public let config: VisionEncoderDecoderConfig
  public let encoder: ViTEncoder
  /// `enc_to_dec_proj`: encoder width → n_embd, present only when the widths differ.
  public var encoderProjection: LinearLayer?
  public let decoder: GPT2Decoder
  /// What the latest training forward needs to know for backward: did the encoder side run in training mode?
  private var encoderTrained = false

  /// A model of `config` with zero weights (load or initialise them next).
  public init(_ config: VisionEncoderDecoderConfig) {
    self.config = config
    encoder = ViTEncoder(config.encoder, prefix: "encoder")
    let d = config.decoder
    encoderProjection = config.hasEncoderProjection
      ? Linear("enc_to_dec_proj", inFeatures: config.encoder.hiddenSize, outFeatures: d.nEmbd) : nil
    decoder = GPT2Decoder(prefix: "decoder", vocabulary: d.vocabSize, positions: d.nPositions, dim: d.nEmbd, heads: d.nHead,
                          layers: d.nLayer, hidden: d.innerSize, activation: Activation(huggingFace: d.activationFunction)!,
                          eps: Float(d.layerNormEpsilon), crossAttention: true)
  }

  /// In transformers' order: encoder, decoder, `enc_to_dec_proj` (each once; the LM head is wte).
  public var parameters: [Parameter] {
    encoder.parameters + decoder.parameters + (encoderProjection?.parameters ?? [])
  }

  /// True when anything in the encoder or the projection trains.
  public var encoderSideTrains: Bool {
    encoder.hasTrainableParameters || (encoderProjection?.hasTrainableParameters ?? false)
  }

  /// pixels [B, ch, S, S] → the states the decoder cross-attends to [B, N+1, n_embd]. With
  /// `training`, keeps what `backward` needs on the encoder side (only if it trains) and applies
  /// the ViT's dropout (`ViTEncoder.setDropout`) even when the encoder is frozen, as `train()` mode does.
  public func encode(_ pixels: Tensor, training: Bool = false) throws -> Tensor {
    let v = config.encoder
    guard pixels.rank == 4, pixels.shape[1] == v.numChannels, pixels.shape[2] == v.imageSize, pixels.shape[3] == v.imageSize else {
      throw CaptioningError("pixel values have shape \(pixels.shape); the encoder takes [B, \(v.numChannels), \(v.imageSize), \(v.imageSize)]")
    }
    let train = training && encoderSideTrains
    encoderTrained = train
    let hidden = encoder.forward(pixels, training: train, dropout: training)
    return encoderProjection.map { $0.forward(hidden, training: train) } ?? hidden
  }

  /// Teacher-forced logits: pixels [B, ch, S, S], decoder inputs ids [B, T] (equal lengths, ids in
  /// the vocabulary, T ≤ n_positions) → [B, T, V].
  public func forward(_ pixels: Tensor, decoderInputs ids: [[Int]], training: Bool = false) throws -> Tensor {
    try validate(ids, batch: pixels.shape.first ?? 0)
    let states = try encode(pixels, training: training)
    return decoder.forward(ids, encoder: states, training: training)
  }

  /// dLogits [B, T, V] → gradients in every trainable parameter (decoder, and encoder side when it
  /// trains). Consumes the caches of the last training `forward`.
  public func backward(_ dLogits: Tensor) {
    let dStates = decoder.backward(dLogits, encoderGradient: encoderTrained)
    guard encoderTrained, let dStates else { return }
    encoderTrained = false
    if let proj = encoderProjection {
      guard let dHidden = proj.backward(dStates, inputGradient: encoder.hasTrainableParameters) else { return }
      encoder.backward(dHidden)
    } else {
      encoder.backward(dStates)
    }
  }

  /// Decoder inputs must be B rows of one length within the positions, ids in the vocabulary.
  func validate(_ ids: [[Int]], batch: Int) throws {
    guard ids.count == batch else { throw CaptioningError("\(ids.count) decoder input rows for \(batch) images") }
    guard let t = ids.first?.count, t > 0 else { throw CaptioningError("empty decoder inputs") }
    guard ids.allSatisfy({ $0.count == t }) else { throw CaptioningError("decoder input rows differ in length (pad them)") }
    let d = config.decoder
    guard t <= d.nPositions else {
      throw CaptioningError("decoder inputs of \(t) tokens exceed the decoder's n_positions \(d.nPositions)")
    }
    if let bad = ids.lazy.flatMap({ $0 }).first(where: { !(0..<d.vocabSize).contains($0) }) {
      throw CaptioningError("token id \(bad) is outside the decoder's vocabulary (0..<\(d.vocabSize))")
    }
  }
}
