/**
 * `audio.crossfade`: what a listener hears where one track fades into the next, with the guild's
 * crossfade set. Per change: how long both tracks sound at once (each tone within 40 dB of its
 * full level, in Hann-windowed 40 ms frames), against the fade configured; the silence between
 * the cut run and the crossfade run (the recording's gap); and the silent frames at the change:
 * those quieter than −40 dBFS among the ten either side, and each whole 20 ms of the gap. Tones alternate 440/660 Hz, so each frame says which track it holds.
 */
import { Effect, Layer } from "effect"
import { GuildId } from "../../schema/Ids.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { handOverLocations } from "../../test/player/support/FakeAudio.ts"
import { playQueue, type Session, sessions } from "../../test/player/support/listen.ts"
import { track } from "../../test/player/support/tracks.ts"
import { goertzelPower, rmsDb, slice } from "../../test/support/audioAnalysis.ts"
import { generateTone, makeFixtureDir, removeFixtureDir } from "../../test/support/audioFixtures.ts"
import { FRAME_MS, RecordingVoiceOutput } from "../../test/support/RecordingVoiceOutput.ts"
import { type BenchSection, type Figure, percentile, round } from "../Section.ts"

const TRACKS = 11
const TRACK_MS = 4500
const FADE_MS = 2000
const guildId = GuildId.make("330000000000000001")
const toneOf = (i: number) => (i % 2 === 0 ? 440 : 660)

/** A tone's level in dB in the 40 ms around `centreMs`, Hann-windowed so the other tone does not leak in. */
const toneDb = (s: Session, frequency: number, centreMs: number) => {
  const window = Float32Array.from(slice(s.samples, centreMs - 20, 40))
  for (let i = 0; i < window.length; i++) window[i]! *= 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (window.length - 1))
  return 10 * Math.log10(goertzelPower(window, frequency) + 1e-15)
}

/** ms of `fade` (a crossfade run) in which both tones are within 40 dB of their full level. */
const overlapMs = (fade: Session, out: number, into: number, fullDb: number) => {
  let both = 0
  for (let ms = 20; ms < fade.packets.length * FRAME_MS - 20; ms += FRAME_MS) {
    if (toneDb(fade, out, ms) > fullDb - 40 && toneDb(fade, into, ms) > fullDb - 40) both++
  }
  return both * FRAME_MS
}

/** Frames quieter than −40 dBFS among the last ten of `before` and the first ten of `after`. */
const silentAround = (before: Session, after: Session) => {
  const quiet = (s: Session, index: number) => rmsDb(slice(s.samples, index * FRAME_MS, FRAME_MS)) < -40
  const last = before.packets.length
  let count = 0
  for (let i = Math.max(0, last - 10); i < last; i++) if (quiet(before, i)) count++
  for (let i = 0; i < Math.min(10, after.packets.length); i++) if (quiet(after, i)) count++
  return count
}

/** The tracks in one guild's queue, each fading into the next, to the idle after the last. */
const playAll = (paths: ReadonlyArray<string>) =>
  playQueue(guildId, paths.map((location, i) => track(`fade-${i}`, { location, durationMs: TRACK_MS })), Effect.void, "90 seconds")
    .pipe(
      Effect.provide(
        PlayerRegistry.layer({ crossfadeMs: () => Effect.succeed(FADE_MS) }).pipe(
          Layer.provideMerge(Layer.mergeAll(FfmpegPipeline.layer(), RecordingVoiceOutput.layer, handOverLocations))
        )
      ),
      Effect.scoped
    )

export const crossfadeSection: BenchSection = {
  name: "audio.crossfade",
  description: `${FADE_MS / 1000} s crossfades between ${TRACK_MS / 1000} s tracks: overlap heard, gap and silent frames at each change`,
  run: async () => {
    const dir = await makeFixtureDir("crossfade")
    try {
      const paths = await Promise.all(
        Array.from({ length: TRACKS }, (_, i) =>
          generateTone(dir, { frequency: toneOf(i), seconds: TRACK_MS / 1000, format: "mp3", name: `fade-${i}` })
        )
      )
      const { recording, gaps } = await Effect.runPromise(playAll(paths))
      const heard = sessions(recording)
      const fullDb = toneDb(heard[0]!, toneOf(0), 500)
      const overlaps = heard.slice(1).map((s, i) => overlapMs(s, toneOf(i), toneOf(i + 1), fullDb))
      // A gap counts a frame for each whole 20 ms with nothing sent; a packet a few ms late (a busy timer) is not one.
      const silent = heard.slice(1).map((s, i) => silentAround(heard[i]!, s) + Math.max(0, Math.floor(gaps[i]! / FRAME_MS)))
      const stat = (values: ReadonlyArray<number>, p: number) => round(percentile(values, p))
      const figures: Array<Figure> = [
        { key: "overlap_ms.configured", value: FADE_MS, unit: "ms" },
        { key: "overlap_ms.p50", value: stat(overlaps, 50), unit: "ms", target: `≈ ${FADE_MS}`, ok: Math.abs(stat(overlaps, 50) - FADE_MS) <= 100 },
        { key: "overlap_ms.p5", value: stat(overlaps, 5), unit: "ms" },
        { key: "gap_ms.p50", value: stat(gaps, 50), unit: "ms", target: "< 40", ok: stat(gaps, 50) < 40 },
        { key: "gap_ms.p95", value: stat(gaps, 95), unit: "ms", target: "< 40", ok: stat(gaps, 95) < 40 },
        { key: "silent_frames.p50", value: stat(silent, 50), target: "0", ok: stat(silent, 50) === 0 },
        { key: "silent_frames.p95", value: stat(silent, 95), target: "0", ok: stat(silent, 95) === 0 }
      ]
      process.stdout.write(
        `  overlap p50 ${stat(overlaps, 50)} ms (configured ${FADE_MS}), gap p50 ${stat(gaps, 50)} / p95 ${stat(gaps, 95)} ms, ` +
          `silent frames p50 ${stat(silent, 50)} / p95 ${stat(silent, 95)} over ${overlaps.length} changes\n`
      )
      return { figures, details: { overlaps, gaps: gaps.map((g) => round(g)), silent, sessions: heard.length } }
    } finally {
      await removeFixtureDir(dir)
    }
  }
}
