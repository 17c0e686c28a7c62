extension CLIPConfig {
  /// The name and shape of every weight `CLIPModel(config)` holds, computed from the numbers alone
  /// (nothing allocated), so a checkpoint's header can be checked against the config before any
  /// model tensor exists. Same names and shapes as `CLIPModel(self).parameters`.
  /// Precondition: the sizes are positive (`validate()` passes).
  public func parameterShapes() -> [(name: String, shape: [Int])] {
    var out: [(name: String, shape: [Int])] = []
    func linear(_ prefix: String, _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
      out.append(("\(prefix).weight", [outFeatures, inFeatures]))
      if bias { out.append(("\(prefix).bias", [outFeatures])) }
    }
    func layerNorm(_ prefix: String, _ dim: Int) {
      out.append(("\(prefix).weight", [dim]))
      out.append(("\(prefix).bias", [dim]))
    }
    func blocks(_ prefix: String, count: Int, dim: Int, hidden: Int) {
      for i in 0..<count {
        let p = "\(prefix).encoder.layers.\(i)"
        layerNorm("\(p).layer_norm1", dim)
        for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] { linear("\(p).self_attn.\(proj)", dim, dim) }
        layerNorm("\(p).layer_norm2", dim)
        linear("\(p).mlp.fc1", dim, hidden)
        linear("\(p).mlp.fc2", hidden, dim)
      }
    }
    let v = vision, t = text
    out.append(("vision_model.embeddings.class_embedding", [v.hiddenSize]))
    out.append(("vision_model.embeddings.patch_embedding.weight", [v.hiddenSize, v.numChannels, v.patchSize, v.patchSize]))
    out.append(("vision_model.embeddings.position_embedding.weight", [v.tokenCount, v.hiddenSize]))
    layerNorm("vision_model.pre_layrnorm", v.hiddenSize)
    blocks("vision_model", count: v.numHiddenLayers, dim: v.hiddenSize, hidden: v.intermediateSize)
    layerNorm("vision_model.post_layernorm", v.hiddenSize)
    linear("visual_projection", v.hiddenSize, projectionDim, bias: false)
    out.append(("text_model.embeddings.token_embedding.weight", [t.vocabSize, t.hiddenSize]))
    out.append(("text_model.embeddings.position_embedding.weight", [t.maxPositionEmbeddings, t.hiddenSize]))
    blocks("text_model", count: t.numHiddenLayers, dim: t.hiddenSize, hidden: t.intermediateSize)
    layerNorm("text_model.final_layer_norm", t.hiddenSize)
    linear("text_projection", t.hiddenSize, projectionDim, bias: false)
    out.append(("logit_scale", []))
    return out
  }
}
