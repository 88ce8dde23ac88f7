/**
 * End to end with real sound: the player drives the real FFmpeg pipeline into the recording
 * voice output, and the tests decode what a guild was sent.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { GuildId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { Track } from "../../schema/Track.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { findTransition, OPUS_DECODER_DELAY_MS, rmsDb, slice } from "../support/audioAnalysis.ts"
import { generateCorruptFile, generateTone, generateToneSequence } from "../support/audioFixtures.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import { awaitEvent, hear, isTag, sessions, toneSequence, waitForPackets } from "./support/listen.ts"
import { handOverLocations } from "./support/FakeAudio.ts"
import { track, user } from "./support/tracks.ts"

const layer = () =>
  PlayerRegistry.layer().pipe(
    Layer.provideMerge(Layer.mergeAll(FfmpegPipeline.layer(), RecordingVoiceOutput.layer, handOverLocations))
  )

const SEGMENTS = [300, 500, 700, 900, 1100]
/** A 0.6 s FLAC tone; keyed, and titled as a track, `t<frequency>`. */
const short = (frequency: number) => (dir: string) => generateTone(dir, { frequency, seconds: 0.6, format: "flac" })

const { files } = fixturesForFile("player", {
  t440: short(440),
  t550: short(550),
  t660: short(660),
  t880: short(880),
  t990: short(990),
  long440: (d) => generateTone(d, { frequency: 440, seconds: 3, format: "mp3" }),
  steps: (d) => generateToneSequence(d, { frequencies: SEGMENTS, format: "flac" }),
  corrupt: (d) => generateCorruptFile(d)
})

const file = (name: keyof typeof files, durationMs: number): Track =>
  track(name, { location: files[name], durationMs })
const enqueue = (first: Track, ...rest: ReadonlyArray<Track>) =>
  new Cmd.Enqueue({ tracks: [first, ...rest], position: "end", requester: user })
const guild = (n: number) => GuildId.make(`30000000000000000${n}`)

describe("GuildPlayer with the real pipeline", () => {
  it.live("queue order, skip, loop-track and loop-queue produce the expected tones (three guilds at once)", () =>
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const recorder = yield* RecordingVoiceOutput
      const sub = yield* registry.subscribe
      const [order, loopTrack, loopQueue] = [guild(1), guild(2), guild(3)]

      yield* registry.send(order, enqueue(file("long440", 3000), file("t660", 600), file("t880", 600)))
      yield* registry.send(loopTrack, enqueue(file("t550", 600), file("t990", 600)))
      yield* registry.send(loopTrack, new Cmd.SetLoop({ mode: "track", requester: user }))
      yield* registry.send(loopQueue, enqueue(file("t440", 600), file("t660", 600)))
      yield* registry.send(loopQueue, new Cmd.SetLoop({ mode: "queue", requester: user }))

      // Waits are on what was heard, not wall time: FFmpeg starts slowly on a busy machine.
      const rec = (g: GuildId) => recorder.recording(g)
      yield* waitForPackets(rec(order), 1, 15)
      const skipped = yield* registry.send(order, new Cmd.Skip({ count: 1, requester: user }))
      assert.strictEqual(skipped.now?.track.title, "t660")
      yield* waitForPackets(rec(loopTrack), 3, 5)
      yield* registry.send(loopTrack, new Cmd.SetLoop({ mode: "off", requester: user }))
      yield* waitForPackets(rec(loopQueue), 4, 5)
      yield* registry.send(loopQueue, new Cmd.Stop({ requester: user }))
      yield* awaitEvent(sub, isTag("Idle", loopTrack))

      const orderHeard = hear(yield* recorder.recording(order), [440, 660, 880])
      assert.deepStrictEqual(toneSequence(orderHeard), [440, 660, 880])
      // the skipped track stopped within ~0.5 s, nowhere near its 3 s
      assert.isBelow(orderHeard.filter((h) => h.session === 1).length, 40)

      const loopHeard = hear(yield* recorder.recording(loopTrack), [550, 990])
      const loopRuns = sessions(yield* recorder.recording(loopTrack)).length
      assert.deepStrictEqual(toneSequence(loopHeard), [550, 990])
      assert.isAtLeast(loopRuns, 4) // 550 at least three times, then 990

      const ringHeard = hear(yield* recorder.recording(loopQueue), [440, 660])
      const ring = sessions(yield* recorder.recording(loopQueue)).map((s) =>
        toneSequence(ringHeard.filter((h) => h.session === s.session))[0]
      )
      assert.isAtLeast(ring.length, 4)
      ring.forEach((f, i) => assert.strictEqual(f, i % 2 === 0 ? 440 : 660))
    }).pipe(Effect.provide(layer())))

  it.live("pause emits no frames and resume continues where it stopped", () =>
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const recorder = yield* RecordingVoiceOutput
      const g = guild(4)
      yield* registry.send(g, enqueue(file("steps", 5000)))
      yield* waitForPackets(recorder.recording(g), 1, 60)
      const paused = yield* registry.send(g, new Cmd.Pause({ requester: user }))
      const atPause = (yield* recorder.recording(g)).packets.length
      yield* Effect.sleep("700 millis")
      assert.strictEqual((yield* recorder.recording(g)).packets.length, atPause, "frames sent while paused")
      const resumed = yield* registry.send(g, new Cmd.Resume({ requester: user }))
      assert.strictEqual(resumed.positionMs, paused.positionMs)
      yield* waitForPackets(recorder.recording(g), 2, 60)
      yield* registry.send(g, new Cmd.Stop({ requester: user }))

      const [before, after] = sessions(yield* recorder.recording(g))
      assert.isDefined(before)
      assert.isDefined(after)
      const silence = after!.packets[0]!.sentAtMs - before!.packets[before!.packets.length - 1]!.sentAtMs
      assert.isAtLeast(silence, 700)
      // the resumed run starts at the paused position: its first boundary comes when the track's does
      // (the first boundary at least 80 ms in, so the run holds enough of the tone before it)
      const segment = Math.floor((paused.positionMs + 80) / 1000)
      const boundaryIn = (segment + 1) * 1000 - paused.positionMs
      const measured = findTransition(after!.samples, SEGMENTS[segment]!, SEGMENTS[segment + 1]!)
      const afterHeard = hear(yield* recorder.recording(g), SEGMENTS).filter((h) => h.session === 2)
      assert.isDefined(measured, `paused at ${paused.positionMs} ms; resumed run heard ${toneSequence(afterHeard, 2)}`)
      assert.closeTo(measured! - OPUS_DECODER_DELAY_MS, boundaryIn, 60)
      // and what was heard before the pause ends where the resumed run begins (no replay from 0:00)
      const heardBefore = before!.packets.length * 20
      assert.closeTo(heardBefore, paused.positionMs, 100)
    }).pipe(Effect.provide(layer())))

  it.live("seek lands on the segment that starts there", () =>
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const recorder = yield* RecordingVoiceOutput
      const g = guild(5)
      yield* registry.send(g, enqueue(file("steps", 5000)))
      yield* waitForPackets(recorder.recording(g), 1, 15)
      yield* registry.send(g, new Cmd.Seek({ positionMs: 3000, requester: user }))
      yield* waitForPackets(recorder.recording(g), 2, 65)
      yield* registry.send(g, new Cmd.Stop({ requester: user }))
      const [, seeked] = sessions(yield* recorder.recording(g))
      assert.isDefined(seeked)
      const first = slice(seeked!.samples, 20, 100)
      assert.isAbove(rmsDb(first), -40)
      const toNext = findTransition(seeked!.samples, 900, 1100)
      assert.isDefined(toNext)
      assert.closeTo(toNext! - OPUS_DECODER_DELAY_MS, 1000, 60)
      const heard = hear(yield* recorder.recording(g), SEGMENTS).filter((h) => h.session === 2)
      assert.deepStrictEqual(toneSequence(heard), [900, 1100])
    }).pipe(Effect.provide(layer())))

  it.live("volume and effects changes continue from the current position with a short gap", () =>
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const recorder = yield* RecordingVoiceOutput
      const g = guild(6)
      yield* registry.send(g, enqueue(file("steps", 5000)))
      yield* waitForPackets(recorder.recording(g), 1, 70)
      const positionAtVolume = yield* registry.position(g)
      yield* registry.send(g, new Cmd.SetVolume({ volume: 50, requester: user }))
      yield* waitForPackets(recorder.recording(g), 2, 40)
      const positionAtEffects = yield* registry.position(g)
      yield* registry.send(
        g,
        new Cmd.SetEffects({ effects: ["nightcore"], requester: user })
      )
      yield* waitForPackets(recorder.recording(g), 3, 25)
      yield* registry.send(g, new Cmd.Stop({ requester: user }))

      const runs = sessions(yield* recorder.recording(g))
      assert.strictEqual(runs.length, 3)
      const [full, quiet, fast] = runs as [typeof runs[0], typeof runs[0], typeof runs[0]]
      const gaps = [
        quiet.packets[0]!.sentAtMs - full.packets[full.packets.length - 1]!.sentAtMs,
        fast.packets[0]!.sentAtMs - quiet.packets[quiet.packets.length - 1]!.sentAtMs
      ]
      yield* Effect.logInfo("mid-track change gaps (ms, last packet of old pipeline → first of new)", {
        volume: gaps[0]!.toFixed(1),
        effects: gaps[1]!.toFixed(1)
      })
      for (const gap of gaps) assert.isBelow(gap, 250)

      // the quieter run carries on in the segment playing at the change, not from 0:00
      const heard = hear(yield* recorder.recording(g), SEGMENTS)
      const segmentAt = (ms: number) => SEGMENTS[Math.floor(ms / 1000)]!
      // The player takes its position when the command reaches it, a moment after the test read it:
      // on a loaded machine that moment may already be in the next segment.
      const segmentsFrom = (ms: number) => [segmentAt(ms + 40), segmentAt(Math.min(ms + 600, 4999))]
      assert.include(segmentsFrom(positionAtVolume), toneSequence(heard.filter((h) => h.session === 2))[0])
      const loud = rmsDb(slice(full.samples, full.packets.length * 20 - 300, 200))
      const soft = rmsDb(slice(quiet.samples, 100, 200))
      assert.closeTo(loud - soft, 6.02, 1.5)
      // nightcore plays 1.25× higher, from where the volume run had got to
      const shifted = SEGMENTS.map((f) => f * 1.25)
      const fastHeard = hear(yield* recorder.recording(g), shifted).filter((h) => h.session === 3)
      assert.include(segmentsFrom(positionAtEffects).map((f) => f * 1.25), toneSequence(fastHeard)[0])
    }).pipe(Effect.provide(layer())))

  it.live("a corrupt file fails only its own track and the next one plays", () =>
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const recorder = yield* RecordingVoiceOutput
      const sub = yield* registry.subscribe
      const g = guild(7)
      yield* registry.send(g, enqueue(file("corrupt", 10_000), file("t440", 600)))
      const failed = yield* awaitEvent(sub, isTag("TrackFailed", g))
      assert.strictEqual(failed.entry.track.title, "corrupt")
      assert.isNotEmpty(failed.reason)
      yield* awaitEvent(sub, isTag("Idle", g))
      assert.deepStrictEqual(toneSequence(hear(yield* recorder.recording(g), [440, 880])), [440])
      const state = yield* registry.state(g)
      assert.deepStrictEqual(state.queue.history.map((e) => e.track.title), ["corrupt", "t440"])
    }).pipe(Effect.provide(layer())))
})
