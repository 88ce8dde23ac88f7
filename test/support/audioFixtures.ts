/**
 * Audio fixtures generated with FFmpeg at test time (nothing binary is committed).
 *
 * Typical use, once per test file (fixturesForFile.ts makes them before the tests, removes them after):
 *
 * ```ts
 * const { files } = fixturesForFile("pipeline", {
 *   mp3: (dir) => generateTone(dir, { frequency: 440, seconds: 1, format: "mp3" })
 * })
 * // in a test: files.mp3
 * ```
 *
 * Tones are pure sines (stereo, both channels equal) at a known amplitude (peak 0.5 by default:
 * −9.03 dBFS RMS), so tests can check the
 * frequency (Goertzel, audioAnalysis.ts) and the level (RMS) of what the pipeline emits.
 */
import { execFile } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

export type FixtureFormat = "mp3" | "m4a" | "webm" | "ogg" | "flac" | "wav"

/** Every container/codec the pipeline must play: MP3, AAC in MP4, Opus in WebM and Ogg, FLAC, PCM WAV. */
export const FIXTURE_FORMATS: ReadonlyArray<FixtureFormat> = ["mp3", "m4a", "webm", "ogg", "flac", "wav"]

const encoderArgs: Readonly<Record<FixtureFormat, ReadonlyArray<string>>> = {
  mp3: ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"],
  m4a: ["-c:a", "aac", "-b:a", "128k", "-f", "ipod"],
  // Opus only runs at 48 kHz; the WebM/Ogg variants are what YouTube serves (passthrough candidates)
  webm: ["-c:a", "libopus", "-b:a", "128k", "-ar", "48000", "-f", "webm"],
  ogg: ["-c:a", "libopus", "-b:a", "128k", "-ar", "48000", "-f", "ogg"],
  flac: ["-c:a", "flac", "-f", "flac"],
  wav: ["-c:a", "pcm_s16le", "-f", "wav"]
}

/** The Playable codec a fixture of this format has. */
export const codecOf = (format: FixtureFormat): "webm-opus" | "ogg-opus" | "unknown" =>
  format === "webm" ? "webm-opus" : format === "ogg" ? "ogg-opus" : "unknown"

export const makeFixtureDir = (prefix = "audio"): Promise<string> => mkdtemp(join(tmpdir(), `reprise-${prefix}-`))

export const removeFixtureDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true })

/** Runs FFmpeg quietly; rejects with its stderr. */
export const ffmpeg = async (args: ReadonlyArray<string>): Promise<void> => {
  await run("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args])
}

/** Both channels given explicitly: letting `-ac 2` upmix a mono source would lower it by 3 dB. */
const sine = (frequency: number, seconds: number, amplitude: number, sampleRate: number): string => {
  const wave = `${amplitude}*sin(2*PI*${frequency}*t)`
  return `aevalsrc=${wave}|${wave}:s=${sampleRate}:d=${seconds}`
}

export interface ToneOptions {
  readonly frequency: number
  readonly seconds: number
  readonly format: FixtureFormat
  /** Peak amplitude, 0–1 of full scale (default 0.5: −9.03 dBFS RMS). */
  readonly amplitude?: number
  /** Default 44.1 kHz (a typical non-Opus source, so the pipeline must resample). */
  readonly sampleRate?: number
  /** File name without extension (default derived from the options). */
  readonly name?: string
}

/** A stereo sine tone; returns its path. */
export const generateTone = async (dir: string, options: ToneOptions): Promise<string> => {
  const amplitude = options.amplitude ?? 0.5
  const rate = options.sampleRate ?? 44100
  const name = options.name ?? `tone-${options.frequency}hz-${options.seconds}s-${amplitude}`
  const path = join(dir, `${name}.${options.format}`)
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    sine(options.frequency, options.seconds, amplitude, rate),
    ...encoderArgs[options.format],
    path
  ])
  return path
}

export interface SequenceOptions {
  /** One segment per frequency, in order. */
  readonly frequencies: ReadonlyArray<number>
  /** Length of each segment (default 1 s): segment i starts at i × segmentSeconds. */
  readonly segmentSeconds?: number
  readonly format: FixtureFormat
  readonly amplitude?: number
  readonly name?: string
}

/**
 * Consecutive tones, e.g. [300, 500, 700, 900, 1100] Hz at 1 s each: a seek to 3000 ms must land
 * at the start of the 900 Hz segment. Frequencies at least 200 Hz apart keep 10 ms windows
 * distinguishable (see `toneTimeline`).
 */
export const generateToneSequence = async (dir: string, options: SequenceOptions): Promise<string> => {
  const seconds = options.segmentSeconds ?? 1
  const amplitude = options.amplitude ?? 0.5
  const name = options.name ?? `sequence-${options.frequencies.join("-")}`
  const path = join(dir, `${name}.${options.format}`)
  const inputs = options.frequencies.flatMap((f) => ["-f", "lavfi", "-i", sine(f, seconds, amplitude, 44100)])
  const labels = options.frequencies.map((_, i) => `[${i}]`).join("")
  await ffmpeg([
    ...inputs,
    "-filter_complex",
    `${labels}concat=n=${options.frequencies.length}:v=0:a=1`,
    ...encoderArgs[options.format],
    path
  ])
  return path
}

/**
 * A file that claims to be audio and is not: a valid-looking MP3 frame header followed by noise
 * bytes. FFmpeg fails to decode it, which the pipeline must report as a PipelineError.
 */
export const generateCorruptFile = async (dir: string, name = "corrupt.mp3"): Promise<string> => {
  const path = join(dir, name)
  const bytes = new Uint8Array(64 * 1024)
  // A deterministic LCG, so the failure is the same on every run.
  let seed = 12345
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    bytes[i] = seed >> 16
  }
  bytes.set([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], 0) // "ID3" tag header, empty
  await writeFile(path, bytes)
  return path
}

/**
 * Noise named as audio: `length` bytes of xorshift noise. Long enough (300 kB), ffprobe finds MP3
 * frame syncs in it and calls it an MP3 stream, with no sample rate and no channels; FFmpeg then
 * fails to decode a single frame ("Header missing").
 */
export const noiseBytes = (length = 300_000, seed = 1): Uint8Array => {
  const bytes = new Uint8Array(length)
  let x = Math.imul(seed, 2654435761) >>> 0
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    bytes[i] = x & 255
  }
  return bytes
}
