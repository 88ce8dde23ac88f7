/**
 * Hearing what a guild was sent: the recording VoiceOutput's packets, decoded one pipeline run
 * (session) at a time, and classified 20 ms packet by 20 ms packet.
 */
import { Duration, Effect, PubSub } from "effect"
import type { GuildId } from "../../../schema/Ids.ts"
import * as Cmd from "../../../schema/PlayerCommand.ts"
import type { PlayerEvent } from "../../../schema/PlayerEvent.ts"
import type { Track } from "../../../schema/Track.ts"
import { PlayerRegistry } from "../../../src/player/PlayerRegistry.ts"
import { type RecordedPacket, type Recording, RecordingVoiceOutput } from "../../support/RecordingVoiceOutput.ts"
import { decodeMono, dominantFrequency, rmsDb, SAMPLES_PER_PACKET } from "../../support/audioAnalysis.ts"
import { sessionGaps } from "../../support/gaps.ts"
import { user } from "./tracks.ts"

export interface Heard {
  readonly session: number
  readonly index: number
  readonly sentAtMs: number
  readonly frequency: number
  readonly db: number
}

export interface Session {
  readonly session: number
  readonly packets: ReadonlyArray<RecordedPacket>
  /** Mono samples of the whole session, decoded in order with one decoder. */
  readonly samples: Float32Array
}

export const sessions = (recording: Recording): Array<Session> => {
  const bySession = new Map<number, Array<RecordedPacket>>()
  for (const p of recording.packets) {
    const list = bySession.get(p.session) ?? []
    list.push(p)
    bySession.set(p.session, list)
  }
  return [...bySession.entries()]
    .sort(([a], [b]) => a - b)
    .map(([session, packets]) => ({ session, packets, samples: decodeMono(packets.map((p) => p.packet)) }))
}

/** Each packet's dominant frequency among `candidates`, and its level. */
export const hear = (recording: Recording, candidates: ReadonlyArray<number>): Array<Heard> =>
  sessions(recording).flatMap((s) =>
    s.packets.map((p, i) => {
      const frame = s.samples.subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET)
      return {
        session: s.session,
        index: p.index,
        sentAtMs: p.sentAtMs,
        frequency: dominantFrequency(frame, candidates),
        db: rmsDb(frame)
      }
    })
  )

/**
 * The tones heard in order, one item per uninterrupted run of at least `minPackets` packets
 * (shorter runs are codec warm-up or the edges of a run, not a tone).
 */
export const toneSequence = (heard: ReadonlyArray<Heard>, minPackets = 4): Array<number> => {
  const runs: Array<{ frequency: number; length: number; session: number }> = []
  for (const h of heard) {
    if (h.db < -40) continue
    const last = runs[runs.length - 1]
    if (last !== undefined && last.frequency === h.frequency && last.session === h.session) last.length++
    else runs.push({ frequency: h.frequency, length: 1, session: h.session })
  }
  return runs
    .filter((r) => r.length >= minPackets)
    .map((r) => r.frequency)
    .filter((f, i, all) => i === 0 || all[i - 1] !== f)
}

/** Takes events until one matches, failing after `timeout`. */
export const awaitEvent = <E extends PlayerEvent>(
  sub: PubSub.Subscription<PlayerEvent>,
  match: (event: PlayerEvent) => event is E,
  timeout: Duration.Input = "10 seconds"
): Effect.Effect<E, Error> =>
  Effect.gen(function*() {
    while (true) {
      const event = yield* PubSub.take(sub)
      if (match(event)) return event
    }
  }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () =>
        Effect.fail(new Error(`no matching event within ${Duration.format(Duration.fromInputUnsafe(timeout))}`))
    })
  )

/** Matches events of one tag, optionally of one guild. */
export const isTag = <T extends PlayerEvent["_tag"]>(tag: T, guildId?: string) =>
(event: PlayerEvent): event is Extract<PlayerEvent, { _tag: T }> =>
  event._tag === tag && (guildId === undefined || event.guildId === guildId)

/** Waits (polling every 20 ms) until `session` of the guild's recording holds `count` packets. */
export const waitForPackets = (
  recording: Effect.Effect<Recording>,
  session: number,
  count: number,
  timeout: Duration.Input = "15 seconds"
): Effect.Effect<void, Error> =>
  Effect.gen(function*() {
    while (true) {
      const r = yield* recording
      if (r.packets.filter((p) => p.session === session).length >= count) return
      yield* Effect.sleep("20 millis")
    }
  }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(new Error(`session ${session} never reached ${count} packets`))
    })
  )

/**
 * Queues `tracks`, runs `meanwhile` as they play, and waits until the player goes idle: the
 * guild's recording, and the gaps between its sessions.
 */
export const playQueue = <E>(
  g: GuildId,
  tracks: ReadonlyArray<Track>,
  meanwhile: Effect.Effect<void, E, PlayerRegistry | RecordingVoiceOutput> = Effect.void,
  timeout: Duration.Input = "20 seconds"
) =>
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const recorder = yield* RecordingVoiceOutput
    const sub = yield* registry.subscribe
    const [first, ...rest] = tracks
    yield* registry.send(g, new Cmd.Enqueue({ tracks: [first!, ...rest], position: "end", requester: user }))
    yield* meanwhile
    yield* awaitEvent(sub, isTag("Idle", g), timeout)
    const recording = yield* recorder.recording(g)
    return { recording, gaps: sessionGaps(recording) }
  })

/** Sends `command` to the guild's player once its first session has `count` packets. */
export const sendAfterPackets = (g: GuildId, count: number, command: Cmd.UserCommand) =>
  Effect.gen(function*() {
    const recorder = yield* RecordingVoiceOutput
    yield* waitForPackets(recorder.recording(g), 1, count)
    yield* PlayerRegistry.use((r) => r.send(g, command))
  })
