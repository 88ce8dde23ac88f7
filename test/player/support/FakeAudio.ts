/**
 * Stand-ins for the audio pipeline, voice output and track resolution, for tests about the actor's mailbox,
 * supervision and lifetime (not about sound). Each fake packet names its track and the
 * 20 ms slot it holds, and the voice paces on the (test) clock.
 */
import { Clock, type Duration, Effect, Layer, PubSub, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { ChannelId, GuildId } from "../../../schema/Ids.ts"
import { AudioPipeline, PipelineError } from "../../../src/audio/AudioPipeline.ts"
import { Resolver } from "../../../src/resolve/Resolver.ts"
import { type VoiceLeft, VoiceOutput } from "../../../src/voice/VoiceOutput.ts"

export interface Sent {
  readonly guildId: GuildId
  /** Track location the packet came from. */
  readonly source: string
  /** Which 20 ms slot of the track it holds. */
  readonly slot: number
  readonly atMs: number
}

export interface FakeLog {
  readonly sent: Array<Sent>
  readonly opened: Array<{ readonly source: string; readonly startMs: number; readonly volume: number }>
  readonly closed: Array<string>
  readonly disconnected: Array<GuildId>
  /** Joins and leaves in the order they finished, as `join:<guild>` and `leave:<guild>`. */
  readonly voice: Array<string>
}

export interface FakeAudioOptions {
  /** How long leaving voice takes, in real time under a TestClock (which never moves while a scope closes); default at once. */
  readonly leaveTakes?: Duration.Input | undefined
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Track length comes from the location: `/x/name-600.flac` lasts 600 ms. Locations containing "corrupt" fail. */
const lengthMs = (source: string) => Number(/-(\d+)\.\w+$/.exec(source)?.[1] ?? "200")

export const makeFakeAudio = (options: FakeAudioOptions = {}) => {
  const log: FakeLog = { sent: [], opened: [], closed: [], disconnected: [], voice: [] }
  const pipeline = Layer.succeed(
    AudioPipeline,
    AudioPipeline.of({
      open: (request) => {
        const source = request.source.input
        log.opened.push({ source, startMs: request.startMs, volume: request.volume })
        if (source.includes("corrupt")) {
          return Stream.fail(new PipelineError({ reason: "the file could not be decoded", detail: "fake" }))
        }
        const first = Math.floor(request.startMs / 20)
        const last = Math.floor(lengthMs(source) / 20)
        return Stream.range(first, last - 1).pipe(
          Stream.map((slot) => encoder.encode(`${source}#${slot}`)),
          Stream.ensuring(Effect.sync(() => void log.closed.push(source)))
        )
      }
    })
  )
  const channels = new Map<GuildId, ChannelId>()
  // The fake never loses a connection on its own: `left` stays silent.
  const voice = Layer.effect(
    VoiceOutput,
    Effect.map(PubSub.unbounded<VoiceLeft>(), (left) => VoiceOutput.of({
      play: (guildId, packets) =>
        packets.pipe(
          Stream.runForEach((packet) =>
            Effect.gen(function*() {
              yield* Effect.sleep("20 millis")
              const [source = "", slot = "0"] = decoder.decode(packet).split("#")
              log.sent.push({ guildId, source, slot: Number(slot), atMs: yield* Clock.currentTimeMillis })
            })
          )
        ),
      join: (guildId, channelId) =>
        Effect.sync(() => {
          channels.set(guildId, channelId)
          log.voice.push(`join:${guildId}`)
        }),
      leave: (guildId) =>
        (options.leaveTakes === undefined ? Effect.void : TestClock.withLive(Effect.sleep(options.leaveTakes))).pipe(
          Effect.andThen(Effect.sync(() => {
            channels.delete(guildId)
            log.disconnected.push(guildId)
            log.voice.push(`leave:${guildId}`)
          }))
        ),
      channelOf: (guildId) => Effect.sync(() => channels.get(guildId) ?? null),
      left: PubSub.subscribe(left)
    }))
  )
  return { log, layer: Layer.mergeAll(pipeline, voice, handOverLocations) }
}

/**
 * A resolver that plays every track's location as it is (a name for the fakes, a file for FFmpeg)
 * and learns no durations.
 */
export const handOverLocations = Layer.mock(Resolver, {
  playable: (track) => Effect.succeed({ input: track.location, httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false }),
  duration: () => Effect.succeed(null)
})
