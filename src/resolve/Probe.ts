import { Duration, Effect, Schema, Stream } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import { headersArg, NETWORK_PROTOCOLS, proxyArgs } from "../audio/FfmpegArgs.ts"
import { proxiedEnv } from "../resilience/EgressProxy.ts"
import { helperCommand, helperNotStarted } from "../resilience/HelperProcess.ts"
import { Failed, NotFound, type ResolveError, resolveError, timeoutError, Transient } from "./ResolveError.ts"

const Tags = Schema.optional(Schema.Record(Schema.String, Schema.String))
const ProbeStream = Schema.Struct({
  codec_type: Schema.optional(Schema.String),
  codec_name: Schema.optional(Schema.String),
  sample_rate: Schema.optional(Schema.String),
  channels: Schema.optional(Schema.Number),
  tags: Tags
})
const ProbeJson = Schema.Struct({
  streams: Schema.optional(Schema.Array(ProbeStream)),
  format: Schema.optional(Schema.Struct({
    format_name: Schema.optional(Schema.String),
    duration: Schema.optional(Schema.String),
    size: Schema.optional(Schema.String),
    tags: Tags
  }))
})
const decodeProbe = Schema.decodeUnknownEffect(Schema.fromJsonString(ProbeJson))

/** What ffprobe found: enough to accept a file and to choose the pass-through path. */
export interface ProbeResult {
  readonly formatName: string
  readonly audioCodec: string
  readonly durationMs: number | null
  /** The file's size when known: an HTTP answer without one may never end. */
  readonly sizeBytes: number | null
  readonly title: string | null
  readonly artist: string | null
  readonly codec: "webm-opus" | "ogg-opus" | "unknown"
}

type TagSet = Readonly<Record<string, string>> | undefined

/**
 * A tag by name, from the first set that has it. Ogg (Vorbis, Opus) keeps its comments on the
 * stream, so ffprobe reports them under the stream's tags; other containers under the format's.
 */
const tag = (sets: ReadonlyArray<TagSet>, name: string): string | null => {
  for (const tags of sets) {
    for (const [k, v] of Object.entries(tags ?? {})) if (k.toLowerCase() === name && v.trim() !== "") return v.trim()
  }
  return null
}

/**
 * Runs ffprobe on a file or URL. Network inputs are limited to http(s) (and what HLS needs),
 * so a crafted playlist cannot make ffprobe read local files.
 */
const notRun = (detail: string) => new Failed({ message: "ffprobe could not be run.", detail })

export interface ProbeOptions {
  readonly source: string
  readonly timeout: Duration.Input
  readonly network: boolean
  readonly ffprobePath?: string | undefined
  /** HTTP headers the URL needs (a stream URL's user agent or cookies). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The egress proxy a network input is fetched through (EgressProxy.ts). */
  readonly httpProxy?: string | undefined
}

const inputOptions = (options: ProbeOptions, timeout: Duration.Duration): Array<string> => {
  const headers = headersArg(options.headers ?? {})
  return [
    "-v",
    "error",
    "-protocol_whitelist",
    options.network ? NETWORK_PROTOCOLS : "file",
    ...(options.network ? proxyArgs(options.httpProxy) : []),
    ...(options.network ? ["-rw_timeout", String(Math.round(Duration.toMillis(timeout) * 1000))] : []),
    ...(options.network && headers !== "" ? ["-headers", headers] : []),
    "-select_streams",
    "a:0"
  ]
}

const inputName = (input: string, options: ProbeOptions) => (options.network ? input : `file:${input}`)

export const probe = (
  spawner: ChildProcessSpawner.ChildProcessSpawner["Service"],
  input: string,
  options: ProbeOptions
): Effect.Effect<ProbeResult, ResolveError> => {
  const timeout = Duration.fromInputUnsafe(options.timeout)
  const fail = (reason: Parameters<typeof resolveError>[1]) => Effect.fail(resolveError(options.source, reason))
  const run = Effect.scoped(Effect.gen(function*() {
    const handle = yield* spawner.spawn(helperCommand(options.ffprobePath ?? "ffprobe", [
      ...inputOptions(options, timeout),
      "-print_format",
      "json",
      "-show_format",
      "-show_streams",
      inputName(input, options)
    ], { stdin: "ignore", killSignal: "SIGKILL", ...proxiedEnv }))
    const [stdout, stderr, code] = yield* Effect.all([
      Stream.mkString(Stream.decodeText(handle.stdout)),
      Stream.mkString(Stream.decodeText(handle.stderr)),
      handle.exitCode
    ], { concurrency: "unbounded" })
    return { stdout, stderr, code }
  }))
  return run.pipe(
    Effect.mapError((cause) => resolveError(options.source, notRun(String(cause)))),
    Effect.timeout(timeout),
    Effect.catchTag("TimeoutError", () => Effect.fail(timeoutError(options.source, "Probing the file", timeout))),
    Effect.flatMap(({ code, stderr, stdout }) => {
      if (helperNotStarted(code)) return fail(notRun(stderr.trim()))
      if (code !== 0) {
        const detail = stderr.trim().slice(-500)
        return /Server returned 5\d\d|Connection refused|Connection reset|timed out/i.test(detail)
          ? fail(new Transient({ message: "The file's server had a temporary problem; please try again.", detail }))
          : /403 Forbidden/.test(detail)
          // FFmpeg does not say which: the file's server or the egress proxy, for an address that is not public.
          ? fail(new NotFound({ message: "The file was refused (HTTP 403): its server refused it, or it led to a private address.", detail }))
          : fail(new NotFound({ message: "That file could not be read as audio.", detail }))
      }
      return decodeProbe(stdout).pipe(
        Effect.mapError((e) => resolveError(options.source, new Failed({ message: "ffprobe answered something unexpected.", detail: e.message })))
      )
    }),
    Effect.flatMap((json) => {
      const audio = json.streams?.find((s) => s.codec_type === "audio")
      if (audio === undefined) return fail(new NotFound({ message: "That file has no audio." }))
      // Noise named .mp3 has frame syncs enough for ffprobe to call it MP3, with no sample rate and
      // no channels: FFmpeg would fail on its first frame, after the bot had joined to play it.
      if (audio.sample_rate === "0" || audio.channels === 0) {
        return fail(new NotFound({ message: "That file could not be read as audio.", detail: "an audio stream of no sample rate or no channels" }))
      }
      const formatName = json.format?.format_name ?? "unknown"
      const audioCodec = audio.codec_name ?? "unknown"
      const seconds = Number(json.format?.duration)
      const size = Number(json.format?.size)
      const opus = audioCodec === "opus"
      const tags = [json.format?.tags, audio.tags]
      return Effect.succeed<ProbeResult>({
        formatName,
        audioCodec,
        durationMs: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null,
        sizeBytes: Number.isFinite(size) && size > 0 ? size : null,
        title: tag(tags, "title"),
        artist: tag(tags, "artist"),
        codec: opus && formatName.includes("webm") ? "webm-opus" : opus && formatName.includes("ogg") ? "ogg-opus" : "unknown"
      })
    })
  )
}

/** The end of the last audio packet, in ms, from `pts_time,duration_time` lines. */
const endOfPackets = (line: string): number | null => {
  const [pts, duration] = line.split(",").map(Number)
  if (pts === undefined || !Number.isFinite(pts)) return null
  return Math.round((pts + (duration !== undefined && Number.isFinite(duration) ? duration : 0)) * 1000)
}

/**
 * How long a track plays, learnt when it starts without a known duration (a feed's episode, a
 * library file listed but never probed). The container's word first. A container that does not
 * say (WebM or FLAC written to a pipe; Ogg from a server without byte ranges, whose last page
 * cannot be reached) is read through once, its packets listed and not decoded, when it certainly
 * ends: a file on disk (milliseconds), or an HTTP file whose server gave its size (one more
 * download of it). An HTTP answer without a size is what an endless stream sends: it is left
 * without a duration, which is what live means. Null when nothing says; never fails.
 */
export const measureDuration = (
  spawner: ChildProcessSpawner.ChildProcessSpawner["Service"],
  input: string,
  options: ProbeOptions & { readonly readThroughTimeout: Duration.Input }
): Effect.Effect<number | null> =>
  Effect.gen(function*() {
    const info = yield* probe(spawner, input, options)
    if (info.durationMs !== null) return info.durationMs
    if (options.network && info.sizeBytes === null) return null
    const timeout = Duration.fromInputUnsafe(options.readThroughTimeout)
    return yield* Effect.scoped(Effect.gen(function*() {
      const handle = yield* spawner.spawn(helperCommand(options.ffprobePath ?? "ffprobe", [
        ...inputOptions(options, timeout),
        "-show_entries",
        "packet=pts_time,duration_time",
        "-of",
        "csv=p=0",
        inputName(input, options)
      ], { stdin: "ignore", killSignal: "SIGKILL", ...proxiedEnv }))
      // Only the last line matters; an hour of 20 ms packets is 180,000 of them.
      const [last, code] = yield* Effect.all([
        handle.stdout.pipe(
          Stream.decodeText,
          Stream.splitLines,
          Stream.runFold(() => "", (kept, line) => (line.trim() === "" ? kept : line))
        ),
        handle.exitCode
      ], { concurrency: "unbounded" })
      return code === 0 ? endOfPackets(last) : null
    })).pipe(Effect.timeout(timeout))
  }).pipe(
    Effect.catchCause((cause) => Effect.logDebug("could not measure a track's duration", cause).pipe(Effect.as(null))),
    Effect.withSpan("Probe.measureDuration")
  )
