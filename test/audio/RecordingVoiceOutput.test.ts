import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { GuildId } from "../../schema/Ids.ts"
import { AudioPipeline } from "../../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { VoiceOutput } from "../../src/voice/VoiceOutput.ts"
import { RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { decodeMono, peakFrequency, slice } from "../support/audioAnalysis.ts"
import { generateTone } from "../support/audioFixtures.ts"
import { pipelineRequest, playable } from "../support/audioPipeline.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"

const guild = GuildId.make("123456789012345678")
const other = GuildId.make("876543210987654321")
const packet = (i: number) => new Uint8Array([0xfc, i & 0xff])
const packets = (n: number) => Stream.fromIterable(Array.from({ length: n }, (_, i) => packet(i)))

const { files } = fixturesForFile("voice", {
  tone: (d) => generateTone(d, { frequency: 440, seconds: 1, format: "mp3" })
})

const TestLayer = Layer.mergeAll(RecordingVoiceOutput.layer, FfmpegPipeline.layer())

layer(TestLayer, { timeout: "60 seconds", excludeTestServices: true })("RecordingVoiceOutput", (it) => {
  it.effect("paces packets at 20 ms on an absolute schedule", () =>
    Effect.gen(function*() {
      const voice = yield* VoiceOutput
      const recorder = yield* RecordingVoiceOutput
      yield* recorder.clear()
      yield* voice.play(guild, packets(50))
      const recording = yield* recorder.recording(guild)
      assert.strictEqual(recording.packets.length, 50)
      assert.approximately(recording.stats.meanIntervalMs, 20, 0.5)
      const first = recording.packets[0]!
      const last = recording.packets[49]!
      // due times are exactly start + n × 20 ms, and the sends do not drift from them. (How many
      // frames are late depends on what else the machine runs: the benchmark measures that.)
      assert.approximately(last.dueAtMs - first.dueAtMs, 49 * 20, 1e-6)
      assert.approximately(last.sentAtMs - first.sentAtMs, 980, 20)
      assert.isBelow(recording.stats.meanLateMs, 10)
      assert.deepStrictEqual(recording.packets.map((p) => p.packet[1]), Array.from({ length: 50 }, (_, i) => i))
    }))

  it.effect("pulls packets only as it sends them", () =>
    Effect.gen(function*() {
      const voice = yield* VoiceOutput
      let pulled = 0
      const fiber = yield* voice.play(guild, packets(100).pipe(Stream.tap(() => Effect.sync(() => pulled++)))).pipe(
        Effect.forkChild
      )
      yield* Effect.sleep("210 millis")
      // ~11 sent by now; the stream must not have been read far ahead
      assert.isAtMost(pulled, 14)
      assert.isAtLeast(pulled, 9)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a stall re-anchors the schedule instead of bursting", () =>
    Effect.gen(function*() {
      const voice = yield* VoiceOutput
      const recorder = yield* RecordingVoiceOutput
      yield* recorder.clear(guild)
      const stalled = Stream.concat(
        packets(10),
        Stream.fromEffect(Effect.as(Effect.sleep("300 millis"), packet(10))).pipe(Stream.concat(packets(10)))
      )
      yield* voice.play(guild, stalled)
      const { packets: sent, stats } = yield* recorder.recording(guild)
      assert.strictEqual(stats.resyncs, 1)
      // after the stall, packets are 20 ms apart again, not sent back to back to catch up
      const after = sent.slice(11)
      const intervals = after.slice(1).map((p, i) => p.sentAtMs - after[i]!.sentAtMs)
      assert.approximately(intervals.reduce((a, b) => a + b, 0) / intervals.length, 20, 2)
      assert.isAbove(Math.min(...intervals), 10)
    }))

  it.effect("keeps one recording per guild, counts sessions, clears on demand", () =>
    Effect.gen(function*() {
      const voice = yield* VoiceOutput
      const recorder = yield* RecordingVoiceOutput
      yield* recorder.clear()
      yield* Effect.all([voice.play(guild, packets(3)), voice.play(other, packets(5))], { concurrency: 2 })
      yield* voice.play(guild, packets(2))
      yield* voice.leave(guild)
      const a = yield* recorder.recording(guild)
      const b = yield* recorder.recording(other)
      assert.strictEqual(a.packets.length, 5)
      assert.strictEqual(a.sessions, 2)
      assert.deepStrictEqual(a.packets.map((p) => p.session), [1, 1, 1, 2, 2])
      assert.strictEqual(a.disconnects, 1)
      assert.strictEqual(b.packets.length, 5)
      assert.strictEqual((yield* recorder.totals).packets, 10)
      yield* recorder.clear(guild)
      assert.strictEqual((yield* recorder.recording(guild)).packets.length, 0)
      assert.strictEqual((yield* recorder.recording(other)).packets.length, 5)
    }))

  it.effect("plays a pipeline: what the guild heard is the track", () =>
    Effect.gen(function*() {
      const voice = yield* VoiceOutput
      const recorder = yield* RecordingVoiceOutput
      const pipeline = yield* AudioPipeline
      yield* recorder.clear(guild)
      yield* voice.play(guild, pipeline.open(pipelineRequest(playable(files.tone))))
      const recording = yield* recorder.recording(guild)
      assert.approximately(recording.packets.length, 50, 3)
      assert.approximately(recording.stats.meanIntervalMs, 20, 0.5)
      const samples = decodeMono(recording.packets.map((p) => p.packet))
      assert.approximately(peakFrequency(slice(samples, 300, 300), 300, 600), 440, 2)
    }))

  it.effect("interrupting play stops at once", () =>
    Effect.gen(function*() {
      const voice = yield* VoiceOutput
      const recorder = yield* RecordingVoiceOutput
      yield* recorder.clear(guild)
      const fiber = yield* Effect.forkChild(voice.play(guild, packets(1000)))
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(yield* recorder.playing, [guild])
      yield* Fiber.interrupt(fiber)
      const sent = (yield* recorder.recording(guild)).packets.length
      yield* Effect.sleep("60 millis")
      assert.strictEqual((yield* recorder.recording(guild)).packets.length, sent)
      assert.deepStrictEqual(yield* recorder.playing, [])
    }))
})
