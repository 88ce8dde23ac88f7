/**
 * `audio.gap`: the silence between consecutive tracks of a queue, as a listener hears it (the
 * recording voice output's last packet of one run to the first of the next), with the player
 * preparing the next track ahead of the end and without. Tracks are short local files resolved
 * at once, so the figure without prefetch is FFmpeg's start and the player's hand-over alone;
 * a remote source adds its resolution to it.
 */
import { Effect, Layer } from "effect"
import { GuildId, UserId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { Track } from "../../schema/Track.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { generateTone, makeFixtureDir, removeFixtureDir } from "../../test/support/audioFixtures.ts"
import { sessionGaps } from "../../test/support/gaps.ts"
import { RecordingVoiceOutput } from "../../test/support/RecordingVoiceOutput.ts"
import { type BenchSection, type Figure, percentile, round } from "../Section.ts"

const TRACKS = 16
const TRACK_SECONDS = 1
const requester = UserId.make("200000000000000001")

const handOver = Layer.mock(Resolver, {
  playable: (t) => Effect.succeed({ input: t.location, httpHeaders: {}, codec: "unknown" as const, expiresAt: null, isLive: false }),
  duration: () => Effect.succeed(null)
})

/** Plays `files` as one queue and returns the gaps between consecutive tracks, in ms. */
const gapsOf = (files: ReadonlyArray<string>, gapless: boolean) =>
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const recorder = yield* RecordingVoiceOutput
    const guildId = GuildId.make(gapless ? "320000000000000001" : "320000000000000002")
    const tracks = files.map((location, i) =>
      new Track({
        id: `file:gap-${i}`,
        kind: "file",
        location,
        title: `gap ${i}`,
        author: null,
        durationMs: TRACK_SECONDS * 1000,
        artworkUrl: null,
        requester
      })
    )
    const [first, ...rest] = tracks
    yield* registry.send(guildId, new Cmd.Enqueue({ tracks: [first!, ...rest], position: "end", requester }))
    // Done once every track has had its run and the last one went quiet.
    while ((yield* recorder.recording(guildId)).sessions < TRACKS || (yield* recorder.playing).includes(guildId)) {
      yield* Effect.sleep("100 millis")
    }
    return sessionGaps(yield* recorder.recording(guildId))
  }).pipe(
    Effect.provide(
      PlayerRegistry.layer({ gapless }).pipe(
        Layer.provideMerge(Layer.mergeAll(FfmpegPipeline.layer(), RecordingVoiceOutput.layer, handOver))
      )
    )
  )

export const gapSection: BenchSection = {
  name: "audio.gap",
  description: `silence between consecutive ${TRACK_SECONDS} s tracks, next track prepared ahead vs not`,
  run: async () => {
    const dir = await makeFixtureDir("gap")
    try {
      const files = await Promise.all(
        Array.from({ length: TRACKS }, (_, i) =>
          generateTone(dir, { frequency: i % 2 === 0 ? 440 : 660, seconds: TRACK_SECONDS, format: "mp3", name: `gap-${i}` })
        )
      )
      const figures: Array<Figure> = []
      const details: Record<string, ReadonlyArray<number>> = {}
      for (const gapless of [true, false]) {
        const gaps = await Effect.runPromise(gapsOf(files, gapless))
        const mode = gapless ? "prefetch" : "no_prefetch"
        const p50 = round(percentile(gaps, 50))
        const p95 = round(percentile(gaps, 95))
        process.stdout.write(`  ${mode}: gap p50 ${p50} ms, p95 ${p95} ms over ${gaps.length} changes\n`)
        figures.push(
          { key: `gap_ms.${mode}.p50`, value: p50, unit: "ms", ...(gapless ? { target: "< 40", ok: p50 < 40 } : {}) },
          { key: `gap_ms.${mode}.p95`, value: p95, unit: "ms", ...(gapless ? { target: "< 40", ok: p95 < 40 } : {}) }
        )
        details[mode] = gaps.map((g) => round(g))
      }
      return { figures, details }
    } finally {
      await removeFixtureDir(dir)
    }
  }
}
