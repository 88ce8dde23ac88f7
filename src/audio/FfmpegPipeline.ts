import { NodeChildProcessSpawner, NodeFileSystem, NodePath, NodeStream } from "@effect/platform-node"
import { Duration, Effect, Exit, Fiber, Layer, Option, Schema, Stream } from "effect"
import { type ChildProcess, ChildProcessSpawner } from "effect/process"
import { createReadStream } from "node:fs"
import { Decimal, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { Readiness } from "../observability/Readiness.ts"
import { AudioPipeline, type OpusPacket, PipelineError, type PipelineRequest } from "./AudioPipeline.ts"
import { ffmpegProbe } from "./FfmpegBinary.ts"
import { EgressProxy, proxiedEnv } from "../resilience/EgressProxy.ts"
import { helperCommand, helperNotStarted } from "../resilience/HelperProcess.ts"
import { proxiedGet } from "../resilience/ProxiedGet.ts"
import {
  DEFAULT_FFMPEG_OPTIONS,
  type FfmpegOptions,
  isHttp,
  type SeekMethod,
  warmArgs,
  type WarmStart,
  warmStart
} from "./FfmpegArgs.ts"
import { OggOpusDemuxer } from "./OggOpusDemuxer.ts"
import { appendTail, brokenOff, ffmpegFailure, httpFailure, redactUrl } from "./PipelineFailure.ts"
import { plan } from "./PipelinePlan.ts"
import type { Playable } from "./Playable.ts"
import * as WarmFfmpeg from "./WarmFfmpeg.ts"
import { WebmOpusDemuxer } from "./WebmOpusDemuxer.ts"

/**
 * The `AudioPipeline` implementation: FFmpeg (a niced helper process, scoped) for transcoding
 * and seeking, Node-side demuxing for Opus passthrough. See PipelinePlan.ts for which path a
 * request takes.
 */

export interface FfmpegPipelineOptions extends FfmpegOptions {
  readonly ffmpegPath: string
  /**
   * Read size for passthrough files: small, since the consumer only needs a few packets ahead.
   * Each packet is a view into its read, so a read stays alive until its last packet is sent: 4 KiB
   * (~250 ms of 128 kb/s audio) dies young, where 16 KiB (~1 s) outlived two scavenges and was
   * promoted. At 1000 streams that meant a mark-compact every ~2.5 s and 1.8 % of frames late,
   * against 0 % with 4 KiB (bench audio.streams, passthrough).
   */
  readonly fileChunkBytes: number
  /** How long the spare FFmpeg (WarmFfmpeg.ts) waits for a local file to play before it is stopped. */
  readonly warmIdle: Duration.Input
}

export const DEFAULT_PIPELINE_OPTIONS: FfmpegPipelineOptions = {
  ...DEFAULT_FFMPEG_OPTIONS,
  ffmpegPath: "ffmpeg",
  fileChunkBytes: 4 * 1024,
  warmIdle: Duration.minutes(5)
}

interface Demuxer {
  readonly error: string | undefined
  push(chunk: Uint8Array): Array<Uint8Array>
}

/** Bytes of an Ogg/Opus or WebM/Opus container to Opus packets; bad bytes fail with `reason`. */
const demux = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  makeDemuxer: () => Demuxer,
  reason: string
): Stream.Stream<OpusPacket, E | PipelineError> =>
  Stream.mapAccumArrayEffect(bytes, makeDemuxer, (demuxer, chunks) => {
    const packets: Array<OpusPacket> = []
    for (const chunk of chunks) {
      for (const packet of demuxer.push(chunk)) packets.push(packet)
    }
    return demuxer.error === undefined
      ? Effect.succeed([demuxer, packets] as const)
      : Effect.fail(new PipelineError({ reason, detail: demuxer.error }))
  })

const notStarted = (detail: string) => new PipelineError({ reason: "could not start the audio process", detail })

const encoder = new TextEncoder()

const errorText = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** An answer to a GET the bot makes itself: its status and its body, read or discarded. */
interface Answer {
  readonly status: number
  readonly body: Stream.Stream<Uint8Array, PipelineError>
  readonly discard: () => void
}

const stoppedSending = (cause: unknown) => new PipelineError({ reason: "the source stopped sending audio", detail: errorText(cause) })

/** GETs a source's URL: through the egress proxy when there is one (ProxiedGet.ts), Node's fetch otherwise (tests). */
const get = async (source: Playable, httpProxy: string | undefined, signal: AbortSignal, range?: string): Promise<Answer> => {
  if (httpProxy !== undefined) {
    const answer = await proxiedGet(httpProxy, source.input, { headers: source.httpHeaders, range, signal })
    return {
      status: answer.status,
      body: NodeStream.fromReadable({ evaluate: () => answer.body, onError: stoppedSending }),
      discard: () => answer.body.destroy()
    }
  }
  const headers = range === undefined ? source.httpHeaders : { ...source.httpHeaders, Range: range }
  const response = await fetch(source.input, { headers, signal, redirect: "follow" })
  const body = response.body
  return {
    status: response.status,
    body: body === null ? Stream.empty : Stream.fromReadableStream({ evaluate: () => body, onError: stoppedSending }),
    discard: () => void body?.cancel()
  }
}

/** The bytes of a passthrough source, read by Node. */
const sourceBytes = (source: Playable, chunkBytes: number, httpProxy: string | undefined): Stream.Stream<Uint8Array, PipelineError> => {
  if (isHttp(source.input)) {
    return Stream.unwrap(
      Effect.tryPromise({
        try: (signal) => get(source, httpProxy, signal),
        catch: (cause) =>
          new PipelineError({
            reason: "could not reach the source",
            detail: `GET ${redactUrl(source.input)}: ${errorText(cause)}`
          })
      }).pipe(
        Effect.timeoutOrElse({
          duration: "15 seconds",
          orElse: () =>
            Effect.fail(
              new PipelineError({
                reason: "the source did not answer",
                detail: `GET ${redactUrl(source.input)}: no response in 15 s`
              })
            )
        }),
        Effect.flatMap((answer) => {
          if (answer.status >= 200 && answer.status < 300) return Effect.succeed(answer.body)
          answer.discard()
          return Effect.fail(httpFailure(answer.status, source.input))
        })
      )
    )
  }
  return NodeStream.fromReadable<Uint8Array, PipelineError>({
    evaluate: () => createReadStream(source.input, { highWaterMark: chunkBytes }),
    onError: (cause) =>
      new PipelineError({
        reason: /ENOENT/.test(errorText(cause)) ? "the file does not exist" : "the file could not be read",
        detail: errorText(cause)
      })
  })
}

/**
 * How FFmpeg can reach a position in `source` (see `SeekMethod`). A server honours byte ranges when
 * it answers a one-byte range with 206; one that answers 200 sends the whole file whatever is
 * asked, so FFmpeg must read forward. Asked only when a run starts mid-track: from 0:00 it makes
 * no difference. A failed question leaves FFmpeg to seek as usual and report what is wrong.
 */
const seekMethod = (source: Playable, startMs: number, httpProxy: string | undefined): Effect.Effect<SeekMethod> => {
  // An HLS playlist is seeked by its segments, not by byte ranges of the playlist.
  if (startMs <= 0 || source.isLive || !isHttp(source.input) || /\.m3u8([?#]|$)/i.test(source.input)) {
    return Effect.succeed("input")
  }
  return Effect.tryPromise({
    try: async (signal) => {
      const answer = await get(source, httpProxy, signal, "bytes=0-0")
      answer.discard()
      return answer.status === 200 ? "read-forward" as const : "input" as const
    },
    catch: errorText
  }).pipe(
    Effect.timeout("5 seconds"),
    Effect.tap((method) =>
      method === "read-forward"
        ? Effect.logInfo("the source's server ignores byte ranges: FFmpeg reads forward to the position")
        : Effect.void
    ),
    Effect.catch((cause) =>
      Effect.logDebug("could not ask whether the source's server honours byte ranges", cause).pipe(Effect.as("input" as const))
    )
  )
}

/** A crossfade seeks in the outgoing track (the incoming one starts at 0:00). */
const seekOf = ({ crossfade, source, startMs }: PipelineRequest, httpProxy: string | undefined) =>
  crossfade === undefined ? seekMethod(source, startMs, httpProxy) : seekMethod(crossfade.source, crossfade.startMs, httpProxy)

export const makeFfmpegPipeline = (options: FfmpegPipelineOptions = DEFAULT_PIPELINE_OPTIONS) =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner

    /** FFmpeg with `args`, a niced helper in the current scope; its inputs, if any, are `io`. */
    const spawn = (
      args: ReadonlyArray<string>,
      io: Pick<ChildProcess.CommandOptions, "stdin" | "additionalFds"> = { stdin: "ignore" }
    ) =>
      spawner.spawn(
        // SIGKILL: a SIGTERMed FFmpeg blocked on a full stdout pipe would not exit until it is read.
        helperCommand(options.ffmpegPath, args, { ...io, ...proxiedEnv, stdout: "pipe", stderr: "pipe", killSignal: "SIGKILL" })
      ).pipe(Effect.mapError((cause) => notStarted(cause.message)))

    const warm = yield* WarmFfmpeg.make(
      spawn(warmArgs(options), { stdin: "pipe", additionalFds: { fd3: { type: "input" } } }),
      options.warmIdle
    )

    /** A running FFmpeg's Ogg output; fails with its stderr tail when it exits non-zero. */
    const output = (handle: ChildProcessSpawner.ChildProcessHandle) =>
      Effect.gen(function*() {
        let stderr = ""
        const decoder = new TextDecoder()
        const stderrFiber = yield* handle.stderr.pipe(
          Stream.runForEach((chunk) => Effect.sync(() => stderr = appendTail(stderr, decoder.decode(chunk)))),
          Effect.ignore,
          Effect.forkScoped
        )
        const checkExit = Effect.gen(function*() {
          const code = yield* handle.exitCode.pipe(Effect.catch(() => Effect.succeed(null)))
          yield* Fiber.join(stderrFiber)
          if (helperNotStarted(code)) return yield* notStarted(stderr.trim())
          if (code !== 0) return yield* ffmpegFailure(stderr, code)
          const broken = brokenOff(stderr)
          if (broken !== undefined) return yield* broken
        })
        return handle.stdout.pipe(
          Stream.mapError((cause) =>
            new PipelineError({ reason: "the audio process stopped sending audio", detail: cause.message })
          ),
          Stream.concat(Stream.fromEffectDrain(checkExit))
        )
      })

    const ffmpegOgg = (args: ReadonlyArray<string>): Stream.Stream<Uint8Array, PipelineError> =>
      Stream.unwrap(Effect.flatMap(spawn(args), output))

    /** `args` run by the spare when there is one ready (the same audio, without FFmpeg's start-up). */
    const warmOgg = (args: ReadonlyArray<string>, start: WarmStart): Stream.Stream<Uint8Array, PipelineError> =>
      Stream.unwrap(Effect.gen(function*() {
        const taken = yield* warm.take
        if (Option.isNone(taken)) return ffmpegOgg(args)
        const handle = taken.value
        const told = yield* Effect.exit(Effect.andThen(
          Stream.run(Stream.make(encoder.encode(start.graph)), handle.getInputFd(3)),
          Stream.run(Stream.make(encoder.encode(start.script)), handle.stdin)
        ))
        return Exit.isSuccess(told) ? yield* output(handle) : ffmpegOgg(args)
      }))

    const open = (request: PipelineRequest): Stream.Stream<OpusPacket, PipelineError> =>
      Stream.unwrap(Effect.map(seekOf(request, options.httpProxy), (seek) => {
        const chosen = plan(request, options, seek)
        switch (chosen._tag) {
          case "Passthrough":
            return demux(
              sourceBytes(request.source, options.fileChunkBytes, options.httpProxy),
              chosen.container === "webm" ? () => new WebmOpusDemuxer() : () => new OggOpusDemuxer(),
              "the file could not be decoded"
            )
          case "Remux":
          case "Transcode": {
            const start = chosen._tag === "Transcode" ? warmStart(request, options) : undefined
            const ogg = start === undefined ? ffmpegOgg(chosen.args) : warmOgg(chosen.args, start)
            return demux(ogg, () => new OggOpusDemuxer(), "the audio process sent garbled audio")
          }
        }
      }))

    return AudioPipeline.of({
      open: (request) =>
        open(request).pipe(
          Stream.withSpan("AudioPipeline.open", {
            attributes: { startMs: request.startMs, "crossfade.ms": request.crossfade?.ms ?? 0 }
          })
        )
    })
  })

/** The pipeline with its Node dependencies wired in. */
const layer = (options: Partial<FfmpegPipelineOptions> = {}): Layer.Layer<AudioPipeline> =>
  Layer.effect(AudioPipeline, makeFfmpegPipeline({ ...DEFAULT_PIPELINE_OPTIONS, ...options })).pipe(
    Layer.provide(NodeChildProcessSpawner.layer),
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )

/** FFMPEG_PATH, and VOLUME_REFERENCE_GAIN: the linear gain 100 % volume plays at (1 = the source's level). */
const section = Section.make({
  fields: {
    FFMPEG_PATH: Schema.NonEmptyString.pipe(withDefault("ffmpeg")),
    VOLUME_REFERENCE_GAIN: Decimal(0.05, 1).pipe(withDefault("0.25"))
  },
  build: (e) => ({ ffmpegPath: e.FFMPEG_PATH, referenceGain: e.VOLUME_REFERENCE_GAIN })
})

export const FfmpegPipeline = {
  /** Defaults: gentle volume (100 % = gain 0.25), 128 kb/s Opus, `ffmpeg` from PATH. */
  layer,
  section,

  /** From its section, FFmpeg's network inputs through the egress proxy; readiness fails while FFMPEG_PATH leads nowhere. */
  layerConfig: Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* Section.settingsOf(section)
      const proxy = yield* EgressProxy
      return Layer.merge(
        layer({ ffmpegPath: config.ffmpegPath, referenceGain: config.referenceGain, httpProxy: proxy.url }),
        Readiness.probe("ffmpeg", Effect.succeed(ffmpegProbe(config.ffmpegPath)))
      )
    })
  )
}
