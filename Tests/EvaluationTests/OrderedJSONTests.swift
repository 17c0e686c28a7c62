import Evaluation
import Foundation
import Testing

struct OrderedJSONTests {
  @Test func retrievalResultKeepsTheDocumentedKeyOrderAndParses() throws {
    let r = RetrievalResult(imageToText: RecallAtK(r1: 12.5, r5: 50, r10: 100), textToImage: RecallAtK(r1: 0, r5: 25, r10: 75),
                            meanCosine: 0.3125, images: 8, texts: 40)
    let text = r.orderedJSON.text()
    let keys = ["\"image_to_text\"", "\"R@1\"", "\"R@5\"", "\"R@10\"", "\"text_to_image\"", "\"mean_cosine\"", "\"images\"", "\"texts\""]
    let positions = keys.map { text.range(of: $0)!.lowerBound }
    #expect(positions == positions.sorted())
    let parsed = try JSONDecoder().decode(RetrievalResult.self, from: Data(text.utf8))
    #expect(parsed == r)
  }

  @Test func zeroShotNullAndEscapes() throws {
    let text = ZeroShotResult(acc1: 50, acc5: nil, meanPerClassRecall: 37.5).orderedJSON.text()
    #expect(text.contains("\"acc5\": null"))
    #expect(OrderedJSON.string("a\"b\\c\n\u{1}").text() == #""a\"b\\c\n\u0001""#)
    #expect(OrderedJSON.number(.nan).text() == "null")
    #expect(OrderedJSON.number(2.5).text() == "2.5" && OrderedJSON.number(100).text() == "100")
  }
}
