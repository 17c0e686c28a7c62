import Foundation
import SafeTensors
import TestSupport
import Testing
import Training

/// Schedules against transformers' get_*_schedule_with_warmup and torch's StepLR
/// (Scripts/fixtures/make_training_fixtures.py): every step's rate, exactly (after rounding the
/// reference's Double to Float).
struct LRScheduleTests {
  let f: SafeTensorsFile
  let base: Float
  init() throws {
    f = try SafeTensorsFile(contentsOf: Fixtures.url("training/schedules.safetensors"))
    base = try f.tensor("base_lr").data[0]
  }

  static let cases: [(String, Int, LRSchedule.Decay)] = [
    ("cosine_w10_t50", 10, .cosine(totalSteps: 50)),
    ("cosine_w0_t37", 0, .cosine(totalSteps: 37)),
    ("constant_w5", 5, .constant),
    ("constant_w0", 0, .constant),
    ("linear_w3_t20", 3, .linear(totalSteps: 20)),
    ("step_w4_g0.5_e2_s3", 4, .stepDecay(gamma: 0.5, everyEpochs: 2, stepsPerEpoch: 3)),
    ("step_w0_g0.1_e1_s7", 0, .stepDecay(gamma: 0.1, everyEpochs: 1, stepsPerEpoch: 7)),
    ("step_w2_g0.5_e5_s1", 2, .stepDecay(gamma: 0.5, everySteps: 5)),
  ]

  @Test(arguments: cases)
  func matchesReference(_ name: String, warmup: Int, decay: LRSchedule.Decay) throws {
    let schedule = LRSchedule(baseLR: base, warmupSteps: warmup, decay: decay)
    let reference = try f.tensor(name).data  // F64 in the file, rounded to Float on reading
    for (step, expected) in reference.enumerated() {
      #expect(schedule.learningRate(step: step) == expected, "\(name) step \(step): \(schedule.learningRate(step: step)) vs \(expected)")
    }
  }

  @Test func halvesEveryFiveEpochs() {
    let s = LRSchedule(baseLR: 0.01, decay: .stepDecay(gamma: 0.5, everyEpochs: 5, stepsPerEpoch: 10))
    #expect(s.learningRate(step: 0) == 0.01 && s.learningRate(step: 49) == 0.01)
    #expect(s.learningRate(step: 50) == 0.005 && s.learningRate(step: 99) == 0.005)
    #expect(s.learningRate(step: 100) == 0.0025)
  }

  @Test func warmupRisesLinearlyFromZero() {
    let s = LRSchedule(baseLR: 1, warmupSteps: 4, decay: .cosine(totalSteps: 12))
    #expect((0..<5).map { s.learningRate(step: $0) } == [0, 0.25, 0.5, 0.75, 1])
    #expect(s.learningRate(step: 8) == Float(0.5 * (1 + cos(Double.pi * 0.5))))
    #expect(s.learningRate(step: 12) == 0)
  }

  @Test func roundTripsThroughJSON() throws {
    let s = LRSchedule(baseLR: 3e-4, warmupSteps: 7, decay: .stepDecay(gamma: 0.5, everyEpochs: 5, stepsPerEpoch: 12))
    let back = try JSONDecoder().decode(LRSchedule.self, from: JSONEncoder().encode(s))
    #expect(back == s)
  }
}
