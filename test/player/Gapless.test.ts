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
import { RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { generateTone } from "../support/audioFixtures.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import { sessionGaps } from "../support/gaps.ts"
import { awaitEvent, hear, isTag, sessions, toneSequence } from "./support/listen.ts"
import { track, user } from "./support/tracks.ts"

const RESOLVE_MS = 400

const { files } = fixturesForFile("gapless", {
  t440: (d) => generateTone(d, { frequency: 440, seconds: 0.6, format: "flac" }),
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

/** Plays two 0.6 s tones back to back; the recording's two sessions, with the gap between them. */
const twoTracks = (g: GuildId) =>
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const recorder = yield* RecordingVoiceOutput
    const sub = yield* registry.subscribe
    yield* registry.send(
      g,
      new Cmd.Enqueue({
        tracks: [track("t440", { location: files.t440, durationMs: 600 }), track("t880", { location: files.t880, durationMs: 600 })],
        position: "end",
        requester: user
      })
    )
    yield* awaitEvent(sub, isTag("Idle", g), "20 seconds")
    const recording = yield* recorder.recording(g)
    return { recording, gaps: sessionGaps(recording) }
  })

describe("gapless track changes", () => {
  it.live("the next track follows within two frames, with nothing of either lost or repeated", () =>
    Effect.gen(function*() {
      const { recording, gaps } = yield* twoTracks(GuildId.make("310000000000000001"))
      yield* Effect.logInfo("gap between tracks (ms)", { gaps })
      assert.lengthOf(gaps, 1)
      assert.isBelow(gaps[0]!, 100)
      const runs = sessions(recording)
      // 0.6 s of audio is 30 frames (the encoder may pad one): every frame of each, once.
      for (const run of runs) assert.closeTo(run.packets.length, 30, 1)
      const heard = hear(recording, [440, 880])
      assert.deepStrictEqual(toneSequence(heard.filter((h) => h.session === 1)), [440])
      assert.deepStrictEqual(toneSequence(heard.filter((h) => h.session === 2)), [880])
    }).pipe(Effect.provide(layer(true))))

  it.live("without prefetch the next track waits for its resolution and FFmpeg's start", () =>
    Effect.gen(function*() {
      const { gaps } = yield* twoTracks(GuildId.make("310000000000000002"))
      assert.lengthOf(gaps, 1)
      assert.isAbove(gaps[0]!, RESOLVE_MS - 20)
    }).pipe(Effect.provide(layer(false))))
})
