/**
 * Gapless track changes, heard: the next track is resolved and opened before the current one ends,
 * so it follows within a frame or two. The resolver here takes as long as a slow source lookup,
 * which the player without prefetch pays in silence between the tracks.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { GuildId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { type Recording, RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { generateTone } from "../support/audioFixtures.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import { hear, playQueue, sendAfterPackets, sessions, toneSequence } from "./support/listen.ts"
import { track, user } from "./support/tracks.ts"

const RESOLVE_MS = 400

const { files } = fixturesForFile("gapless", {
  t440: (d) => generateTone(d, { frequency: 440, seconds: 0.6, format: "flac" }),
  t660: (d) => generateTone(d, { frequency: 660, seconds: 0.6, format: "flac" }),
  t880: (d) => generateTone(d, { frequency: 880, seconds: 0.6, format: "flac" })
})

/** Plays each track's file as it is, after a lookup as slow as a remote source's. */
const slowResolver = Layer.mock(Resolver, {
  playable: (t) =>
    Effect.succeed({ input: t.location, httpHeaders: {}, codec: "unknown" as const, expiresAt: null, isLive: false }).pipe(
      Effect.delay(`${RESOLVE_MS} millis`)
    ),
  duration: () => Effect.succeed(null)
})

const layer = (gapless: boolean) =>
  PlayerRegistry.layer({ gapless }).pipe(
    Layer.provideMerge(Layer.mergeAll(FfmpegPipeline.layer(), RecordingVoiceOutput.layer, slowResolver))
  )

type Tone = keyof typeof files

/** Queues `tones` (0.6 s each) and plays them through (see `playQueue`). */
const playTones = <E>(
  g: GuildId,
  tones: ReadonlyArray<Tone>,
  meanwhile?: Effect.Effect<void, E, PlayerRegistry | RecordingVoiceOutput>
) => playQueue(g, tones.map((name) => track(name, { location: files[name], durationMs: 600 })), meanwhile)

/** The tone each session was heard playing. */
const tonesBySession = (recording: Recording) => {
  const heard = hear(recording, [440, 660, 880])
  return sessions(recording).map((s) => toneSequence(heard.filter((h) => h.session === s.session)))
}

const medianDb = (recording: Recording, session: number) => {
  const levels = hear(recording, [440, 660, 880]).filter((h) => h.session === session && h.db > -40).map((h) => h.db)
  return levels.sort((a, b) => a - b)[Math.floor(levels.length / 2)]!
}

describe("gapless track changes", () => {
  it.live("the next track follows within two frames, with nothing of either lost or repeated", () =>
    Effect.gen(function*() {
      const { recording, gaps } = yield* playTones(GuildId.make("310000000000000001"), ["t440", "t880"])
      yield* Effect.logInfo("gap between tracks (ms)", { gaps })
      assert.lengthOf(gaps, 1)
      assert.isBelow(gaps[0]!, 100)
      // 0.6 s of audio is 30 frames (the encoder may pad one): every frame of each, once.
      for (const run of sessions(recording)) assert.closeTo(run.packets.length, 30, 1)
      assert.deepStrictEqual(tonesBySession(recording), [[440], [880]])
    }).pipe(Effect.provide(layer(true))))

  it.live("without prefetch the next track waits for its resolution and FFmpeg's start", () =>
    Effect.gen(function*() {
      const { gaps } = yield* playTones(GuildId.make("310000000000000002"), ["t440", "t880"])
      assert.lengthOf(gaps, 1)
      assert.isAbove(gaps[0]!, RESOLVE_MS - 20)
    }).pipe(Effect.provide(layer(false))))

  it.live("a track removed while it was being prepared does not play: the one after it does", () =>
    Effect.gen(function*() {
      const g = GuildId.make("310000000000000003")
      const remove = PlayerRegistry.use((r) => r.send(g, new Cmd.Remove({ position: 1, requester: user })))
      const { recording, gaps } = yield* playTones(g, ["t440", "t880", "t660"], remove)
      assert.deepStrictEqual(tonesBySession(recording), [[440], [660]])
      // and the one prepared in its place follows without a gap
      assert.isBelow(gaps[0]!, 100)
    }).pipe(Effect.provide(layer(true))))

  it.live("a volume change drops the next track opened at the old volume: it plays at the new one", () =>
    Effect.gen(function*() {
      const g = GuildId.make("310000000000000004")
      // By the first packets the next track's pipeline is open (its resolution ran alongside).
      const quieter = sendAfterPackets(g, 3, new Cmd.SetVolume({ volume: 50, requester: user }))
      const { recording } = yield* playTones(g, ["t440", "t880"], quieter)
      const tones = tonesBySession(recording)
      assert.deepStrictEqual(tones[tones.length - 1], [880])
      // (a restart that began too near the end to be heard leaves no session of its own)
      const runs = sessions(recording)
      const [first, last] = [runs[0]!.session, runs[runs.length - 1]!.session]
      const levels = `sessions ${runs.map((r) => `${r.session}: ${r.packets.length} packets`).join(", ")}`
      assert.closeTo(medianDb(recording, last) - medianDb(recording, first), -6.02, 1.5, levels)
    }).pipe(Effect.provide(layer(true))))
})
