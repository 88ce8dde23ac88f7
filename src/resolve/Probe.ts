import { Duration, Effect, Schema, Stream } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import { helperCommand, helperNotStarted } from "../resilience/HelperProcess.ts"
import { Failed, NotFound, type ResolveError, resolveError, timeoutError, Transient } from "./ResolveError.ts"

const Tags = Schema.optional(Schema.Record(Schema.String, Schema.String))
const ProbeStream = Schema.Struct({
  codec_type: Schema.optional(Schema.String),
  codec_name: Schema.optional(Schema.String),
  tags: Tags
})
const ProbeJson = Schema.Struct({
  streams: Schema.optional(Schema.Array(ProbeStream)),
  format: Schema.optional(Schema.Struct({
    format_name: Schema.optional(Schema.String),
    duration: Schema.optional(Schema.String),
    tags: Tags
  }))
})
const decodeProbe = Schema.decodeUnknownEffect(Schema.fromJsonString(ProbeJson))

/** What ffprobe found: enough to accept a file and to choose the pass-through path. */
export interface ProbeResult {
  readonly formatName: string
  readonly audioCodec: string
  readonly durationMs: number | null
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

export const probe = (
  spawner: ChildProcessSpawner.ChildProcessSpawner["Service"],
  input: string,
  options: { readonly source: string; readonly timeout: Duration.Input; readonly network: boolean; readonly ffprobePath?: string | undefined }
): Effect.Effect<ProbeResult, ResolveError> => {
  const timeout = Duration.fromInputUnsafe(options.timeout)
  const fail = (reason: Parameters<typeof resolveError>[1]) => Effect.fail(resolveError(options.source, reason))
  const run = Effect.scoped(Effect.gen(function*() {
    const handle = yield* spawner.spawn(helperCommand(options.ffprobePath ?? "ffprobe", [
      "-v",
      "error",
      "-protocol_whitelist",
      options.network ? "http,https,tcp,tls,crypto,hls" : "file",
      ...(options.network ? ["-rw_timeout", String(Math.round(Duration.toMillis(timeout) * 1000))] : []),
      "-print_format",
      "json",
      "-show_format",
      "-show_streams",
      "-select_streams",
      "a:0",
      options.network ? input : `file:${input}`
    ], { stdin: "ignore", killSignal: "SIGKILL" }))
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
          : fail(new NotFound({ message: "That file could not be read as audio.", detail }))
      }
      return decodeProbe(stdout).pipe(
        Effect.mapError((e) => resolveError(options.source, new Failed({ message: "ffprobe answered something unexpected.", detail: e.message })))
      )
    }),
    Effect.flatMap((json) => {
      const audio = json.streams?.find((s) => s.codec_type === "audio")
      if (audio === undefined) return fail(new NotFound({ message: "That file has no audio." }))
      const formatName = json.format?.format_name ?? "unknown"
      const audioCodec = audio.codec_name ?? "unknown"
      const seconds = Number(json.format?.duration)
      const opus = audioCodec === "opus"
      const tags = [json.format?.tags, audio.tags]
      return Effect.succeed<ProbeResult>({
        formatName,
        audioCodec,
        durationMs: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null,
        title: tag(tags, "title"),
        artist: tag(tags, "artist"),
        codec: opus && formatName.includes("webm") ? "webm-opus" : opus && formatName.includes("ogg") ? "ogg-opus" : "unknown"
      })
    })
  )
}
