/**
 * Crossfades, heard: with a crossfade set, a track that ends on its own fades into the next (both
 * tones sound at once, the first falling as the second rises, nothing silent between them); a
 * skip cuts; a seek into the fade's stretch, a crossfade that cannot start and a track too short
 * for the fade all leave a plain gapless change. (Without a crossfade, Gapless.test.ts.) Real
 * FFmpeg on generated tones, the recording voice output's packets decoded.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { copyFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { GuildId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { goertzelPower, rmsDb, slice } from "../support/audioAnalysis.ts"
import { generateTone } from "../support/audioFixtures.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import { RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { playQueue, sendAfterPackets, type Session, sessions, waitForPackets } from "./support/listen.ts"
import { track, user } from "./support/tracks.ts"

const FADE_MS = 2000
const TRACK_MS = 4000
const SHORT_MS = 3500

const { dir, files } = fixturesForFile("crossfade", {
  // MP3 going out: a decoder that starts at a seek point gives ~26 ms of silence first.
  t440: (d) => generateTone(d, { frequency: 440, seconds: TRACK_MS / 1000, format: "mp3" }),
  t660: (d) => generateTone(d, { frequency: 660, seconds: TRACK_MS / 1000, format: "flac" }),
  // Longer than one fade, shorter than two: fading would take most of them.
  short440: (d) => generateTone(d, { frequency: 440, seconds: SHORT_MS / 1000, format: "flac" }),
  short660: (d) => generateTone(d, { frequency: 660, seconds: SHORT_MS / 1000, format: "flac" })
})
type Tone = keyof typeof files

/** As slow as a remote lookup: a track opened only when it is due would be heard late. */
const RESOLVE_MS = 300
/**
 * The loose bound on the silence at a change: a prepared track follows within a frame or two, but
 * a loaded machine delays a niced FFmpeg now and then (the bench saw 94 ms); a track opened only
 * when due takes the lookup and FFmpeg's start, well over this.
 */
const GAP_BOUND_MS = 200
/** A track titled so resolves slower still, leaving a test time to act before its crossfade opens. */
const LATE = "late"

const slowResolver = Layer.mock(Resolver, {
  playable: (t) =>
    Effect.succeed({ input: t.location, httpHeaders: {}, codec: "unknown" as const, expiresAt: null, isLive: false }).pipe(
      Effect.delay(`${t.title === LATE ? 4 * RESOLVE_MS : RESOLVE_MS} millis`)
    ),
  duration: () => Effect.succeed(null)
})

const layer = PlayerRegistry.layer({ crossfadeMs: () => Effect.succeed(FADE_MS) }).pipe(
  Layer.provideMerge(Layer.mergeAll(FfmpegPipeline.layer(), RecordingVoiceOutput.layer, slowResolver))
)

/** Queues `tones`, each with its length, plays them through and decodes each session. */
const playTones = <E>(
  g: GuildId,
  tones: ReadonlyArray<readonly [Tone, number]>,
  meanwhile?: Effect.Effect<void, E, PlayerRegistry | RecordingVoiceOutput>
) =>
  Effect.map(
    playQueue(g, tones.map(([name, durationMs]) => track(name, { location: files[name], durationMs })), meanwhile, "30 seconds"),
    ({ recording, gaps }) => ({ heard: sessions(recording), gaps })
  )

/** The level of one tone in `lengthMs` from `fromMs` of a session, in dB. */
const toneDb = (s: Session, frequency: number, fromMs: number, lengthMs = 100) =>
  10 * Math.log10(goertzelPower(slice(s.samples, fromMs, lengthMs), frequency) + 1e-12)

/** 20 ms frames of a session quieter than −40 dBFS: silence a listener would hear. */
const silentFrames = (s: Session) =>
  s.packets.filter((_, i) => rmsDb(slice(s.samples, i * 20, 20)) < -40).length

describe("crossfade", () => {
  it.live("a track ending on its own fades into the next: both heard at once, one falling as the other rises, no silence", () =>
    Effect.gen(function*() {
      const { heard, gaps } = yield* playTones(GuildId.make("311000000000000001"), [["t440", TRACK_MS], ["t660", TRACK_MS]])
      assert.lengthOf(heard, 2)
      const [outgoing, fade] = [heard[0]!, heard[1]!]
      // The first run is cut where the fade begins; the second starts with the fade and lasts the next track.
      assert.closeTo(outgoing.packets.length, (TRACK_MS - FADE_MS) / 20, 3)
      assert.closeTo(fade.packets.length, TRACK_MS / 20, 3)
      assert.isBelow(gaps[0]!, GAP_BOUND_MS)
      assert.strictEqual(silentFrames(outgoing) + silentFrames(fade), 0)
      const at = (ms: number) => ({ out: toneDb(fade, 440, ms), in: toneDb(fade, 660, ms) })
      const [early, middle, late, after] = [at(100), at(950), at(1800), at(FADE_MS + 300)]
      yield* Effect.logInfo("tone levels through the fade (dB)", { early, middle, late, after })
      assert.isAbove(early.out, early.in + 10, "the fade begins with the outgoing track")
      assert.isBelow(Math.abs(middle.out - middle.in), 6, "halfway, both tones are heard")
      assert.isAbove(late.in, late.out + 10, "the fade ends with the incoming track")
      assert.isAbove(early.out, middle.out + 2)
      assert.isAbove(middle.out, late.out + 2)
      assert.isBelow(early.in, middle.in - 2)
      assert.isBelow(middle.in, late.in - 2)
      assert.isAbove(after.in, after.out + 30, "after the fade the outgoing track is gone")
    }).pipe(Effect.provide(layer)))

  it.live("a skip cuts: the next track starts alone, from its start", () =>
    Effect.gen(function*() {
      const g = GuildId.make("311000000000000002")
      const skip = sendAfterPackets(g, 25, new Cmd.Skip({ count: 1, requester: user }))
      const { heard } = yield* playTones(g, [["t440", TRACK_MS], ["t660", TRACK_MS]], skip)
      const next = heard[heard.length - 1]!
      assert.closeTo(next.packets.length, TRACK_MS / 20, 3)
      assert.isAbove(toneDb(next, 660, 100), toneDb(next, 440, 100) + 30)
    }).pipe(Effect.provide(layer)))

  it.live("a seek into the last seconds plays them out alone, and the next track follows gaplessly", () =>
    Effect.gen(function*() {
      const g = GuildId.make("311000000000000004")
      // late enough that the crossfade is open and waiting
      const intoFade = sendAfterPackets(g, 50, new Cmd.Seek({ positionMs: TRACK_MS - FADE_MS / 2, requester: user }))
      const { heard, gaps } = yield* playTones(g, [["t440", TRACK_MS], ["t660", TRACK_MS]], intoFade)
      const [seeked, next] = [heard[heard.length - 2]!, heard[heard.length - 1]!]
      assert.closeTo(seeked.packets.length, FADE_MS / 2 / 20, 3, "the seek's run plays to the track's end")
      assert.closeTo(next.packets.length, TRACK_MS / 20, 3)
      assert.isAbove(toneDb(next, 660, 100), toneDb(next, 440, 100) + 30, "nothing of the first track in the next")
      // prepared again, plainly, as soon as the seek landed past the fade's start
      assert.isBelow(gaps[gaps.length - 1]!, GAP_BOUND_MS)
    }).pipe(Effect.provide(layer)))

  it.live("a crossfade that cannot start (the outgoing file gone) leaves both tracks to play whole, one after the other", () =>
    Effect.gen(function*() {
      const g = GuildId.make("311000000000000005")
      const vanishing = join(dir(), "vanishing.mp3")
      yield* Effect.promise(() => copyFile(files.t440, vanishing))
      // The playing FFmpeg has the file open; the crossfade's, opened after the slow lookup, finds nothing.
      const remove = Effect.gen(function*() {
        const recorder = yield* RecordingVoiceOutput
        yield* waitForPackets(recorder.recording(g), 1, 5)
        yield* Effect.promise(() => rm(vanishing))
      })
      const tracks = [track("vanishing", { location: vanishing, durationMs: TRACK_MS }), track(LATE, { location: files.t660, durationMs: TRACK_MS })]
      const { recording, gaps } = yield* playQueue(g, tracks, remove, "30 seconds")
      const heard = sessions(recording)
      assert.lengthOf(heard, 2)
      for (const s of heard) assert.closeTo(s.packets.length, TRACK_MS / 20, 3)
      assert.isAbove(toneDb(heard[1]!, 660, 100), toneDb(heard[1]!, 440, 100) + 30)
      assert.isBelow(gaps[0]!, GAP_BOUND_MS)
    }).pipe(Effect.provide(layer)))

  it.live("tracks shorter than two fades follow gaplessly, whole", () =>
    Effect.gen(function*() {
      const { heard, gaps } = yield* playTones(GuildId.make("311000000000000003"), [["short440", SHORT_MS], ["short660", SHORT_MS]])
      assert.lengthOf(heard, 2)
      for (const s of heard) assert.closeTo(s.packets.length, SHORT_MS / 20, 1)
      assert.isBelow(gaps[0]!, GAP_BOUND_MS)
      assert.isAbove(toneDb(heard[1]!, 660, 100), toneDb(heard[1]!, 440, 100) + 30)
    }).pipe(Effect.provide(layer)))
})
