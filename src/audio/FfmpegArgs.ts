import type { Crossfade, PipelineRequest } from "./AudioPipeline.ts"
import { equalizerFilters, formatNumber, orderEffects } from "./EffectCatalog.ts"
import type { Playable } from "./Playable.ts"
import { DEFAULT_REFERENCE_GAIN, volumeGain } from "./Volume.ts"

/**
 * FFmpeg command lines for the pipeline, as pure functions of the request (unit-tested without
 * running anything). Every list here is an argument array: nothing ever goes through a shell.
 */

export interface FfmpegOptions {
  /** Gain at 100 % shown volume (see Volume.ts). */
  readonly referenceGain: number
  /** Opus bitrate in bits per second. */
  readonly bitrate: number
  /**
   * The bot's egress proxy (EgressProxy.ts), through which FFmpeg fetches every network input,
   * its redirects and its HLS segments; none connects directly (tests of local files).
   */
  readonly httpProxy?: string | undefined
}

export const DEFAULT_FFMPEG_OPTIONS: FfmpegOptions = { referenceGain: DEFAULT_REFERENCE_GAIN, bitrate: 128_000 }

/**
 * Loudness normalisation, live. `loudnorm` (EBU R128) costs ~17× a plain transcode (measured with
 * the audio benchmarks), so it is out. `dynaudnorm` costs about as much as no filter and needs no per-track analysis:
 * it evens out the level frame by frame (250 ms frames, smoothed over 15 frames ≈ 3.75 s, so it
 * rides the song's loudness, not its transients), boosts at most 8× and keeps peaks under 0.9.
 * It looks 15 frames ahead, which FFmpeg reads at decode speed, not in real time (but a live
 * stream arrives in real time: there it delays the first packet by ~3.75 s). A track shorter than
 * the window passes unchanged.
 * `b=1` (alternative boundary mode) applies the computed gain from the first frame: the default
 * ramps from gain 1 at the start, so every pipeline restart (a live volume or effect change) would
 * dip audibly for a few seconds.
 * A measured per-track gain (loudnorm once, stored) would preserve dynamics better; it needs a
 * store of track loudness, which this request has no room for.
 */
export const NORMALIZE_FILTER = "dynaudnorm=f=250:g=15:p=0.9:m=8:b=1"

/** An http(s) URL, as opposed to a file path. */
export const isHttp = (input: string): boolean => /^https?:\/\//i.test(input)

/** FFmpeg's `-headers` value: CRLF-terminated lines; CR/LF inside a name or value are dropped. */
export const headersArg = (headers: Readonly<Record<string, string>>): string =>
  Object.entries(headers)
    .map(([k, v]) => `${k.replace(/[\r\n:]/g, "")}: ${v.replace(/[\r\n]/g, "")}\r\n`)
    .join("")

/** Seconds with millisecond precision, as `-ss` takes them. */
export const secondsArg = (ms: number): string => formatNumber(Math.max(0, Math.round(ms)) / 1000)

/**
 * How FFmpeg gets to `startMs`. `input`: `-ss` before `-i` seeks in the demuxer (fast, and exact
 * when decoding, since FFmpeg then drops the decoded samples before the target); over HTTP that
 * takes byte ranges. `read-forward`: `-ss` after `-i` reads from the start and drops everything
 * before the position, for a server that ignores ranges (a demuxer seek there asks for
 * `bytes=N-`, gets the file from byte 0 and plays the wrong part, or nothing).
 */
export type SeekMethod = "input" | "read-forward"

const globalArgs = ["-hide_banner", "-nostdin", "-loglevel", "error", "-filter_threads", "1"]

/**
 * What a network input may open: http(s), TLS, and TCP under them (to the proxy), `httpproxy` for
 * an https URL's CONNECT tunnel, `crypto` for encrypted HLS. HLS segments come over the same
 * protocols (the demuxer opens http and nothing else), and no udp, rtp or rtmp is there to name.
 */
export const NETWORK_PROTOCOLS = "http,https,tcp,tls,httpproxy,crypto"

/** `-http_proxy`, for FFmpeg and ffprobe alike; HLS passes it on to every segment it opens. */
export const proxyArgs = (httpProxy: string | undefined): Array<string> =>
  httpProxy === undefined ? [] : ["-http_proxy", httpProxy]

/** One input: its protocol options, its seek, and `-i`. */
const sourceArgs = (source: Playable, startMs: number, seek: SeekMethod, httpProxy: string | undefined): Array<string> => {
  const args: Array<string> = []
  if (isHttp(source.input)) {
    args.push(
      "-protocol_whitelist",
      NETWORK_PROTOCOLS,
      ...proxyArgs(httpProxy),
      // FFmpeg reconnects a resource it can seek in at the byte where it broke off.
      "-reconnect",
      "1",
      // A resource it cannot seek in (a server without byte ranges) it reconnects from byte 0: right
      // for a live stream, which has no position to lose, but a file would start over from 0:00
      // after what was heard. A file's broken connection ends the run instead; the pipeline
      // reports it as resumable, and the player goes on from the position (reading forward).
      ...(source.isLive ? ["-reconnect_streamed", "1"] : []),
      "-reconnect_delay_max",
      "5",
      // a server that accepts and then says nothing fails the track after 15 s instead of hanging it
      "-rw_timeout",
      "15000000"
    )
    const headers = headersArg(source.httpHeaders)
    if (headers.length > 0) args.push("-headers", headers)
  } else {
    args.push("-protocol_whitelist", "file")
  }
  const seeks = startMs > 0 && !source.isLive
  if (seeks && seek === "input") args.push("-ss", secondsArg(startMs))
  // `file:` keeps a path such as "concat:a|b" or "subfile,,…" from being read as a protocol.
  args.push("-i", isHttp(source.input) ? source.input : `file:${source.input}`)
  if (seeks && seek === "read-forward") args.push("-ss", secondsArg(startMs))
  return args
}

/** Everything up to and including `-i`, and for `read-forward` the `-ss` that follows it. */
export const inputArgs = (
  source: Playable,
  startMs: number,
  seek: SeekMethod = "input",
  httpProxy?: string | undefined
): Array<string> => [...globalArgs, ...sourceArgs(source, startMs, seek, httpProxy)]

/**
 * The whole filter graph for a request, or undefined when it would not change the sound.
 * Order: resample to 48 kHz, tempo/pitch, tone, modulation, spatial, equalizer, normalisation,
 * volume, limiter. The limiter comes last so nothing after it can push peaks past its ceiling.
 */
export const filterGraph = (request: PipelineRequest, options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS) => {
  const { shaping, output } = soundChain(request, options)
  if (shaping.length === 0 && output.length === 0) return undefined
  return [`aresample=48000`, ...shaping, ...output].join(",")
}

/**
 * A request's filters in two parts: `shaping` (effects, equalizer, normalisation), which acts on
 * one track's sound, and `output` (volume, then the limiter), which acts on what is heard. A
 * crossfade shapes each track and mixes them, then sets the level of the mix once, so that the
 * limiter sees the sum it must hold under its ceiling.
 */
const soundChain = (request: PipelineRequest, options: FfmpegOptions) => {
  const ordered = orderEffects(request.effects)
  const shaping: Array<string> = []
  for (const effect of ordered) if (effect.stage !== "dynamics") shaping.push(effect.filters)
  const eq = equalizerFilters(request.equalizer)
  if (eq !== undefined) shaping.push(eq)
  if (request.normalize) shaping.push(NORMALIZE_FILTER)
  const output: Array<string> = []
  const gain = volumeGain(request.volume, options.referenceGain)
  if (gain !== 1) output.push(`volume=${formatNumber(gain)}`)
  for (const effect of ordered) if (effect.stage === "dynamics") output.push(effect.filters)
  return { shaping, output }
}

/**
 * Both inputs of a crossfade in one format: `acrossfade` mixes samples, so a mono 44.1 kHz file
 * and a stereo 48 kHz stream must agree before it.
 */
const MIX_FORMAT = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"

const oggOutput = ["-f", "ogg", "-page_duration", "20000", "-flush_packets", "1", "pipe:1"]

/**
 * libopus encoder complexity (0–10; FFmpeg's default is 10). Encoding is most of a transcode's CPU
 * and the transcode path's capacity is CPU-bound. Measured here (60 s of pink noise + chord, bass
 * boost, 128 kb/s, one core): decode + filter 0.15 CPU-s, with encoding at 10 → 0.65, 7 → 0.49,
 * 6 → 0.42, 5 → 0.44, 0 → 0.37. So 6 cuts a stream's CPU by about a third; below it the savings
 * flatten while quality keeps dropping. At 128 kb/s the difference from 10 is hard to hear, and
 * the decoded waveform's SNR against the filtered source moved from 23.9 to 23.3 dB.
 * `-application audio` vs `lowdelay` cost the same here; `audio` is kept (better for music).
 */
export const OPUS_COMPRESSION_LEVEL = 6

const opusOutput = (options: FfmpegOptions) => [
  "-c:a",
  "libopus",
  "-b:a",
  String(options.bitrate),
  "-ar",
  "48000",
  "-ac",
  "2",
  "-frame_duration",
  "20",
  "-application",
  "audio",
  "-compression_level",
  String(OPUS_COMPRESSION_LEVEL)
]

/** Decode, filter, encode 20 ms Opus frames in Ogg on stdout (the `Transcode` path of PipelinePlan.ts). */
export const transcodeArgs = (
  request: PipelineRequest,
  options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS,
  seek: SeekMethod = "input"
): Array<string> => {
  const graph = filterGraph(request, options)
  return [
    ...inputArgs(request.source, request.startMs, seek, options.httpProxy),
    "-map",
    "0:a:0",
    ...(graph === undefined ? [] : ["-af", graph]),
    ...opusOutput(options),
    ...oggOutput
  ]
}

/**
 * A transcode's command line with nothing of the request in it, for an FFmpeg started before it
 * is needed (WarmFfmpeg.ts): the concat demuxer reads a script naming the input on stdin, and
 * the filter graph comes from fd 3. FFmpeg reads the graph once its input is open, so the spare
 * blocks on stdin with its libraries loaded, and one spare serves any sound settings.
 * `-protocol_whitelist` passes to the files the script names: a spare opens local files only.
 */
export const warmArgs = (options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS): Array<string> => [
  ...globalArgs,
  "-f",
  "concat",
  "-safe",
  "0",
  "-protocol_whitelist",
  "pipe,file",
  "-i",
  "pipe:0",
  "-map",
  "0:a:0",
  "-filter_script:a",
  "pipe:3",
  ...opusOutput(options),
  ...oggOutput
]

/** What a warm FFmpeg is given: the concat script (stdin) and the filter graph (fd 3). */
export interface WarmStart {
  readonly script: string
  readonly graph: string
}

/**
 * The warm start for `request`, when a spare can play it as `transcodeArgs` would: a transcode of
 * a local file from 0:00. A seek, a crossfade's two inputs and a network source's protocol options
 * have no place in the spare's fixed command line, so those start FFmpeg cold.
 */
export const warmStart = (request: PipelineRequest, options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS): WarmStart | undefined => {
  const { input } = request.source
  if (request.crossfade !== undefined || request.startMs > 0 || isHttp(input) || /[\r\n]/.test(input)) return undefined
  // ffconcat quotes like a shell: a quote inside a quoted token is written as '\''.
  const path = `'file:${input.replace(/'/g, "'\\''")}'`
  return { script: `ffconcat version 1.0\nfile ${path}\n`, graph: filterGraph(request, options) ?? "anull" }
}

/**
 * How far before the fade's start the outgoing track is read, then trimmed: a decoder that starts
 * at a seek point has no history (an MP3 frame borrows bits from the frames before it), and its
 * first ~26 ms come out silent, which would be a dropout at the very start of the fade.
 */
export const CROSSFADE_PREROLL_MS = 200

/**
 * The crossfade into `request`'s track (see `Crossfade` in AudioPipeline.ts): input 0 is the
 * outgoing track from `crossfade.startMs`, cut or padded to exactly the fade's length after its
 * effects, input 1 the incoming track from its start; `acrossfade` overlaps the whole of the
 * first with the start of the second, so the output's timeline is the incoming track's. The
 * quarter-sine curves keep the power of two unrelated songs about even through the fade, where
 * straight lines dip by 3 dB halfway. `read-forward` (a server without byte ranges) reads the
 * outgoing track from its start and trims in the graph: an `-ss` after its `-i` would apply to
 * the next input instead.
 */
export const crossfadeArgs = (
  request: PipelineRequest & { readonly crossfade: Crossfade },
  options: FfmpegOptions = DEFAULT_FFMPEG_OPTIONS,
  seek: SeekMethod = "input"
): Array<string> => {
  const { shaping, output } = soundChain(request, options)
  const { crossfade } = request
  const fade = secondsArg(crossfade.ms)
  const seekMs = seek === "input" && !crossfade.source.isLive ? Math.max(0, crossfade.startMs - CROSSFADE_PREROLL_MS) : 0
  const trimMs = crossfade.source.isLive ? 0 : crossfade.startMs - seekMs
  const head = trimMs > 0 ? [`atrim=start=${secondsArg(trimMs)}`, "asetpts=PTS-STARTPTS"] : []
  const graph = [
    `[0:a:0]${[...head, MIX_FORMAT, ...shaping, `apad=whole_dur=${fade}`, `atrim=duration=${fade}`].join(",")}[out]`,
    `[1:a:0]${[MIX_FORMAT, ...shaping].join(",")}[in]`,
    `[out][in]${[`acrossfade=d=${fade}:c1=qsin:c2=qsin`, ...output].join(",")}[mix]`
  ].join(";")
  return [
    ...globalArgs,
    ...sourceArgs(crossfade.source, seekMs, "input", options.httpProxy),
    ...sourceArgs(request.source, request.startMs, "input", options.httpProxy),
    "-filter_complex",
    graph,
    "-map",
    "[mix]",
    ...opusOutput(options),
    ...oggOutput
  ]
}

/**
 * Copy the Opus packets into Ogg without decoding (the `Remux` path of PipelinePlan.ts): used to seek in an
 * Opus source.
 * `-copypriorss 0` drops the packets between the demuxer's seek point (a WebM cue, possibly seconds
 * earlier) and the requested position, which stream copy would otherwise keep.
 */
export const remuxArgs = (
  request: PipelineRequest,
  seek: SeekMethod = "input",
  options: Pick<FfmpegOptions, "httpProxy"> = {}
): Array<string> => [
  ...inputArgs(request.source, request.startMs, seek, options.httpProxy),
  "-map",
  "0:a:0",
  "-c:a",
  "copy",
  "-copypriorss",
  "0",
  ...oggOutput
]
