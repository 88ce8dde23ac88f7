import { Context, Duration, Effect, Fiber, Layer, Metric, Stream } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { Busy, Failed, type ResolveError, resolveError, timeoutError } from "../ResolveError.ts"
import { EgressProxy } from "../../resilience/EgressProxy.ts"
import { helperCommand, helperNotStarted } from "../../resilience/HelperProcess.ts"
import * as ProcessPool from "../../resilience/ProcessPool.ts"
import type { ResolverSettings } from "../ResolveSettings.ts"
import { classifyStderr, parseEntry, type YtDlpEntry } from "./YtDlpJson.ts"

export const ytdlpSpawns = Metric.counter("reprise_ytdlp_spawns_total", { description: "yt-dlp processes started" })

/** How yt-dlp is asked to extract. */
export type ExtractMode =
  /** `-J -f bestaudio/best`: one item, with its stream URL. */
  | "full"
  /** `-J --flat-playlist`: a search or playlist as one document, entries unresolved. */
  | "flat"
  /** `-j --flat-playlist -f bestaudio/best`: one line per entry as it is found (a single video prints its full info). */
  | "lines"

export interface ExtractOptions {
  readonly mode: ExtractMode
  /** Play only the video of a `watch?v=…&list=…` link. */
  readonly noPlaylist?: boolean | undefined
  readonly playlistEnd?: number | undefined
  /** Called for each entry as yt-dlp prints it ("lines" mode). */
  readonly onEntry?: ((entry: YtDlpEntry) => Effect.Effect<void>) | undefined
  /** Overrides the configured per-attempt timeout. */
  readonly timeout?: Duration.Input | undefined
  /** The site as users know it ("YouTube", a host), named when it cannot be reached. */
  readonly site: string
}

/** First yt-dlp release with `--js-runtimes` (external JavaScript runtimes, needed for YouTube since). */
export const JS_RUNTIMES_SINCE = "2025.11.12"

/**
 * yt-dlp's arguments, as an array (never a shell line). `--` ends the options, so a query that
 * starts with "-" is never taken for one. `--ignore-config` keeps a user's yt-dlp.conf from
 * changing the output format we parse.
 */
export const ytdlpArgs = (
  settings: ResolverSettings["ytdlp"],
  options: {
    readonly mode: ExtractMode
    readonly target: string
    readonly version: string | null
    readonly noPlaylist?: boolean | undefined
    readonly playlistEnd?: number | undefined
    readonly timeout: Duration.Duration
    /** The egress proxy (EgressProxy.ts) every page, redirect and API call goes through. */
    readonly proxy?: string | undefined
  }
): ReadonlyArray<string> => {
  const runtime = settings.jsRuntime === "" || options.version === null || options.version < JS_RUNTIMES_SINCE
    ? []
    : ["--js-runtimes", settings.jsRuntime === "node" ? `node:${process.execPath}` : settings.jsRuntime]
  const mode = options.mode === "full"
    ? ["-J", "-f", "bestaudio/best"]
    : options.mode === "flat"
    ? ["-J", "--flat-playlist"]
    : ["-j", "--flat-playlist", "-f", "bestaudio/best", "--ignore-errors"]
  return [
    "--ignore-config",
    "--no-progress",
    "--socket-timeout",
    String(Math.max(1, Math.ceil(Duration.toSeconds(options.timeout)))),
    ...(settings.cookies === null ? [] : ["--cookies", settings.cookies]),
    ...runtime,
    ...settings.extraArgs,
    // After the operator's own arguments, so none of them can take yt-dlp around the egress proxy.
    ...(options.proxy === undefined ? [] : ["--proxy", options.proxy]),
    ...mode,
    ...(options.noPlaylist === true ? ["--no-playlist"] : []),
    ...(options.playlistEnd === undefined ? [] : ["--playlist-end", String(options.playlistEnd)]),
    "--",
    options.target
  ]
}

const STDERR_LIMIT = 64 * 1024

/**
 * Runs yt-dlp: one process per call, inside the bounded pool, killed (SIGTERM, then SIGKILL
 * after 2 s) when the call times out or is interrupted.
 *
 * Spawned through effect/process rather than youtube-dl-exec's promise API: the process then
 * belongs to a Scope (so a timeout or an interrupted request really kills it), stdout can be read
 * line by line while yt-dlp still works through a playlist, and tests can count spawns by
 * providing their own `ChildProcessSpawner`. youtube-dl-exec still supplies the default binary.
 */
export class YtDlp extends Context.Service<YtDlp, {
  /** One attempt, no retries (the caller's guard decides those). */
  readonly extract: (target: string, options: ExtractOptions) => Effect.Effect<ReadonlyArray<YtDlpEntry>, ResolveError>
  /** `yt-dlp --version`, asked once; null when it cannot be run. */
  readonly version: Effect.Effect<string | null>
}>()("reprise/resolve/YtDlp") {
  /** `proxy`: the egress proxy's URL; none lets yt-dlp connect directly (tests of the stand-in). */
  static readonly make = Effect.fnUntraced(function*(settings: ResolverSettings["ytdlp"], proxy?: string | undefined) {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const pool = yield* ProcessPool.make({
      name: "ytdlp",
      size: settings.concurrency,
      maxQueue: settings.maxQueue,
      maxWait: settings.queueTimeout
    })

    const notStarted = (cause: unknown) =>
      resolveError(
        "ytdlp",
        new Failed({
          message: "yt-dlp could not be started; check YTDLP_PATH.",
          detail: `${settings.path}: ${String(cause)}`
        })
      )

    const version = yield* Effect.cached(
      settings.jsRuntime === ""
        ? Effect.succeed<string | null>(null)
        : spawner.string(helperCommand(settings.path, ["--version"], { stdin: "ignore" })).pipe(
          Effect.map((s): string | null => s.trim()),
          Effect.tap(() => Metric.update(ytdlpSpawns, 1)),
          Effect.timeout("15 seconds"),
          Effect.catchCause(() => Effect.succeed(null))
        )
    )

    const runProcess = (args: ReadonlyArray<string>, onLine: (line: string) => Effect.Effect<void, ResolveError>) =>
      Effect.scoped(Effect.gen(function*() {
        const handle = yield* spawner.spawn(
          helperCommand(settings.path, args, {
            stdin: "ignore",
            stdout: "pipe",
            stderr: "pipe",
            killSignal: "SIGTERM",
            forceKillAfter: "2 seconds"
          })
        ).pipe(Effect.mapError(notStarted))
        yield* Metric.update(ytdlpSpawns, 1)
        const stderr = yield* handle.stderr.pipe(
          Stream.decodeText(),
          Stream.runFold(() => "", (acc, s) => (acc + s).slice(-STDERR_LIMIT)),
          Effect.orElseSucceed(() => ""),
          Effect.forkScoped
        )
        yield* handle.stdout.pipe(
          Stream.decodeText(),
          Stream.splitLines,
          Stream.mapError(notStarted),
          Stream.runForEach(onLine)
        )
        const exitCode = yield* handle.exitCode.pipe(Effect.mapError(notStarted))
        const errorOutput = yield* Fiber.join(stderr)
        if (helperNotStarted(exitCode)) return yield* notStarted(errorOutput)
        return { exitCode, stderr: errorOutput }
      }))

    const extract = Effect.fn("YtDlp.extract")(function*(target: string, options: ExtractOptions) {
      const timeout = Duration.fromInputUnsafe(options.timeout ?? settings.timeout)
      yield* Effect.annotateCurrentSpan({ "ytdlp.target": target, "ytdlp.mode": options.mode })
      const v = yield* version
      const args = ytdlpArgs(settings, {
        mode: options.mode,
        target,
        version: v,
        noPlaylist: options.noPlaylist,
        playlistEnd: options.playlistEnd,
        timeout,
        proxy
      })
      const entries: Array<YtDlpEntry> = []
      let json = ""
      const onLine = (line: string): Effect.Effect<void, ResolveError> => {
        if (options.mode !== "lines") {
          json += line
          return Effect.void
        }
        if (!line.startsWith("{")) return Effect.void
        return Effect.flatMap(parseEntry(line), (entry) => {
          entries.push(entry)
          return options.onEntry?.(entry) ?? Effect.void
        })
      }
      const { exitCode, stderr } = yield* pool.withSlot(
        runProcess(args, onLine).pipe(
          Effect.timeout(timeout),
          Effect.catchTag("TimeoutError", () => Effect.fail(timeoutError("ytdlp", "yt-dlp", timeout)))
        )
      ).pipe(
        Effect.catchTag("PoolFull", (e) =>
          Effect.fail(resolveError(
            "ytdlp",
            new Busy({
              message: e.waited === null
                ? "The bot is resolving too many tracks right now; please try again in a moment."
                : "All yt-dlp slots stayed busy; please try again in a moment."
            })
          )))
      )
      if (options.mode === "lines") {
        // With --ignore-errors a playlist with a few broken entries still exits non-zero.
        if (entries.length > 0) return entries
        return yield* classifyStderr(stderr, { cookiesSet: settings.cookies !== null, site: options.site })
      }
      if (exitCode !== 0 || json.trim() === "" || json.trim() === "null") {
        return yield* classifyStderr(stderr, { cookiesSet: settings.cookies !== null, site: options.site })
      }
      return [yield* parseEntry(json)]
    })

    return YtDlp.of({ extract, version })
  })

  /** Needs a `ChildProcessSpawner` (NodeServices.layer). */
  static readonly layer = (settings: ResolverSettings["ytdlp"], proxy?: string | undefined) =>
    Layer.effect(YtDlp, YtDlp.make(settings, proxy))

  /** Every run through the egress proxy; needs it and a `ChildProcessSpawner`. */
  static readonly layerProxied = (settings: ResolverSettings["ytdlp"]) =>
    Layer.effect(YtDlp, Effect.gen(function*() {
      return yield* YtDlp.make(settings, (yield* EgressProxy).url)
    }))
}
