/**
 * Shared set-up for the audio benchmark sections: music-like source files, a local HTTP server,
 * the requests for each path, and the layers (pipeline + a pacing-only recording voice output).
 */
import { Effect, Layer } from "effect"
import { join } from "node:path"
import type { PipelineRequest } from "../../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import type { Playable } from "../../src/audio/Playable.ts"
import { RecordingVoiceOutput } from "../../test/support/RecordingVoiceOutput.ts"
import { ffmpeg, makeFixtureDir, removeFixtureDir } from "../../test/support/audioFixtures.ts"
import { type FileServer, startFileServer } from "../../test/support/audioHttpServer.ts"

export const CORES = 2

export interface BenchSources {
  readonly dir: string
  readonly mp3: string
  readonly webm: string
  readonly server: FileServer
}

/**
 * 90 s of something closer to music than a sine (a slowly beating chord over pink noise): Opus
 * works harder on noise than on a pure tone, so the encode cost is not flattered.
 */
const MUSIC = [
  "anoisesrc=d=90:c=pink:r=44100:a=0.06[n]",
  "aevalsrc=0.2*sin(2*PI*220*t)+0.12*sin(2*PI*277.2*t)*sin(2*PI*0.5*t)+0.1*sin(2*PI*329.6*t)" +
  "|0.2*sin(2*PI*220*t)+0.12*sin(2*PI*277.2*t)*cos(2*PI*0.5*t)+0.1*sin(2*PI*440*t):s=44100:d=90[c]",
  "[n]aformat=channel_layouts=stereo[ns]",
  "[ns][c]amix=inputs=2:normalize=0"
].join(";")

let shared: Promise<BenchSources> | undefined

/** Generated once per bench run. */
export const benchSources = (): Promise<BenchSources> =>
  shared ??= (async () => {
    const dir = await makeFixtureDir("bench")
    const mp3 = join(dir, "music.mp3")
    const webm = join(dir, "music.webm")
    await Promise.all([
      ffmpeg(["-filter_complex", MUSIC, "-c:a", "libmp3lame", "-b:a", "192k", mp3]),
      ffmpeg(["-filter_complex", MUSIC, "-ar", "48000", "-c:a", "libopus", "-b:a", "128k", "-f", "webm", webm])
    ])
    const server = await startFileServer({ "/music.mp3": mp3, "/music.webm": webm })
    return { dir, mp3, webm, server }
  })()

export const closeBenchSources = async (): Promise<void> => {
  if (shared === undefined) return
  const sources = await shared
  shared = undefined
  await sources.server.close()
  await removeFixtureDir(sources.dir)
}

export const playable = (input: string, codec: Playable["codec"]): Playable => ({
  input,
  httpHeaders: {},
  codec,
  expiresAt: null,
  isLive: false
})

export const request = (source: Playable, overrides: Partial<PipelineRequest> = {}): PipelineRequest => ({
  source,
  startMs: 0,
  effects: [],
  equalizer: Array<number>(15).fill(0),
  volume: 100,
  normalize: false,
  ...overrides
})

/** The three paths the capacity figures are about. */
export type PathName = "filtered" | "plain" | "passthrough"

export interface PathSpec {
  readonly name: PathName
  readonly describe: string
  /** Gain at 100 %: 1 lets 100 % pass through unchanged (see PipelinePlan.ts). */
  readonly referenceGain: number
  readonly request: (sources: BenchSources) => PipelineRequest
}

export const PATHS: Readonly<Record<PathName, PathSpec>> = {
  filtered: {
    name: "filtered",
    describe: "MP3 → decode, bassboost + volume, Opus encode (FFmpeg)",
    referenceGain: 0.25,
    request: (s) => request(playable(s.mp3, "unknown"), { effects: ["bassboost"] })
  },
  plain: {
    name: "plain",
    describe: "MP3 → decode, Opus encode, no filter (FFmpeg)",
    referenceGain: 1,
    request: (s) => request(playable(s.mp3, "unknown"))
  },
  passthrough: {
    name: "passthrough",
    describe: "Opus/WebM → Node demux, packets forwarded (no FFmpeg)",
    referenceGain: 1,
    request: (s) => request(playable(s.webm, "webm-opus"))
  }
}

/** Pipeline + pacing output that keeps figures, not packets. */
export const benchLayer = (referenceGain: number) =>
  Layer.mergeAll(
    FfmpegPipeline.layer({ referenceGain }),
    RecordingVoiceOutput.layerWith({ keepPackets: false })
  )

/** Clock time in milliseconds with sub-millisecond precision. */
export const nowMs = Effect.clockWith((clock) => Effect.succeed(Number(clock.currentTimeNanosUnsafe()) / 1e6))
