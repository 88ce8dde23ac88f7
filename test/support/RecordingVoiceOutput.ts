import { Clock, Context, Effect, Layer, PubSub, Stream } from "effect"
import type { ChannelId, GuildId } from "../../schema/Ids.ts"
import type { OpusPacket } from "../../src/audio/AudioPipeline.ts"
import { type VoiceLeft, VoiceOutput } from "../../src/voice/VoiceOutput.ts"

/**
 * A `VoiceOutput` that sends nowhere: it paces packets exactly as a real voice connection must
 * (one per 20 ms) and records what it sent and when. Tests read the recording to hear what a guild
 * heard; the benchmark reads the pacing figures to see whether the event loop kept up.
 *
 * Pacing, as @discordjs/voice does it: one shared 20 ms cycle for every stream (a single
 * drift-corrected timer: tick k is due at start + k × 20 ms, so a tick that fires 3 ms late is
 * followed by one after 17 ms). Each tick sends the due packet of every playing stream. A timer per
 * stream (the first version) cost one timer and one fiber wake-up per packet per stream and let
 * hundreds of timers jostle; here a tick is one timer callback looping over small arrays.
 *
 * Each `play` has a fiber that pulls the stream into a small queue and suspends while
 * `READ_AHEAD` packets are queued, so the stream is still pulled at the pace packets go out (the
 * `VoiceOutput` contract). The tick resumes those fibers only after every stream's packet went out. Packet n of a session is due at t0 + n × 20 ms, t0 being the
 * first tick that found a packet. A tick that finds the queue empty when a packet is due is an
 * underrun (the source fell behind); the packet goes out on the first tick after it arrives and is
 * counted late. A packet more than `resyncAfterMs` late (the source stalled, or the process froze)
 * re-anchors the session's schedule instead: racing to catch up would send a burst the listener's
 * jitter buffer drops anyway. Smaller delays are caught up, at most `READ_AHEAD` packets per tick.
 *
 * The cycle runs on real time (a plain `setTimeout`, outside the Effect scheduler, so a tick costs
 * no fiber per stream): this output is for live tests and the benchmark, not for `TestClock`.
 */

export const FRAME_MS = 20

export interface RecordedPacket {
  /** 1 for the guild's first `play`, 2 for the next (e.g. a pipeline restarted for a volume change)… */
  readonly session: number
  /** Index of the packet within its session. */
  readonly index: number
  /** When the packet was due and when it went out, in Clock milliseconds (sub-millisecond precision). */
  readonly dueAtMs: number
  readonly sentAtMs: number
  readonly packet: OpusPacket
}

export interface PacingStats {
  readonly packets: number
  /** Packets sent more than `lateThresholdMs` after they were due. */
  readonly late: number
  /**
   * Of the late packets, those that were not even available when due: the source fell behind
   * (an underrun), as opposed to a timer that fired late because the event loop was busy.
   */
  readonly underruns: number
  readonly maxLateMs: number
  readonly meanLateMs: number
  /** Times the schedule was re-anchored after a stall. */
  readonly resyncs: number
  /** Mean time between consecutive packets of one session (≈ 20 ms when pacing holds). */
  readonly meanIntervalMs: number
}

export interface Recording {
  readonly guildId: GuildId
  /** Every packet, in send order (empty when the output was built with `keepPackets: false`). */
  readonly packets: ReadonlyArray<RecordedPacket>
  readonly sessions: number
  readonly disconnects: number
  readonly stats: PacingStats
}

export interface RecordingOptions {
  /** Keep the packets themselves (tests); the benchmark keeps only the figures. Default true. */
  readonly keepPackets?: boolean | undefined
  /** Default 5 ms: Discord clients' jitter buffers absorb less than that without a glitch. */
  readonly lateThresholdMs?: number | undefined
  /** Default 200 ms. */
  readonly resyncAfterMs?: number | undefined
}

interface Tally {
  packets: number
  late: number
  underruns: number
  maxLateMs: number
  sumLateMs: number
  resyncs: number
  intervals: number
  sumIntervalMs: number
}

interface GuildLog {
  readonly packets: Array<RecordedPacket>
  sessions: number
  disconnects: number
  readonly tally: Tally
}

/** One `play` in progress, as the cycle sees it. */
interface Slot {
  readonly log: GuildLog
  readonly session: number
  /**
   * Packets pulled and not yet sent, as the stream's own chunks (no per-packet copy or queue node):
   * the first `cursor` packets of `chunks[0]` are already sent.
   */
  readonly chunks: Array<ReadonlyArray<OpusPacket>>
  cursor: number
  /** Packets in `chunks` not yet sent. */
  queued: number
  /** Index of the next packet to send. */
  index: number
  /** Due time of packet 0; -1 until the first packet went out. */
  t0: number
  lastSentAt: number
  /** A tick found the queue empty when a packet was due: the next packet is late because of the source. */
  starved: boolean
  /** The stream has ended: an empty queue is the end, not an underrun. */
  ended: boolean
  /** Resumes the pulling fiber once the tick made room in the queue. */
  wake: (() => void) | undefined
}

/** Takes the next queued packet of `slot`, if any. */
const takePacket = (slot: Slot): OpusPacket | undefined => {
  const chunk = slot.chunks[0]
  if (chunk === undefined) return undefined
  const packet = chunk[slot.cursor++]
  if (slot.cursor >= chunk.length) {
    slot.chunks.shift()
    slot.cursor = 0
  }
  if (packet !== undefined) slot.queued--
  return packet
}

/**
 * The stream is pulled again once fewer than this many packets are queued: the pulling fiber then
 * has a whole cycle (20 ms) to bring the next chunk in, and a stream of single packets is pulled
 * within 40 ms of what was heard. A stream whose chunks hold many packets (a demuxed file read)
 * delivers them a chunk at a time anyway, however they are consumed; taking its chunks whole
 * spares a fiber wake-up and a few Effect allocations per packet.
 */
const READ_AHEAD = 2

const emptyTally = (): Tally => ({
  packets: 0,
  late: 0,
  underruns: 0,
  maxLateMs: 0,
  sumLateMs: 0,
  resyncs: 0,
  intervals: 0,
  sumIntervalMs: 0
})

const statsOf = (t: Tally): PacingStats => ({
  packets: t.packets,
  late: t.late,
  underruns: t.underruns,
  maxLateMs: t.maxLateMs,
  meanLateMs: t.packets === 0 ? 0 : t.sumLateMs / t.packets,
  resyncs: t.resyncs,
  meanIntervalMs: t.intervals === 0 ? 0 : t.sumIntervalMs / t.intervals
})

const addTally = (into: Tally, from: Tally): void => {
  into.packets += from.packets
  into.late += from.late
  into.underruns += from.underruns
  into.maxLateMs = Math.max(into.maxLateMs, from.maxLateMs)
  into.sumLateMs += from.sumLateMs
  into.resyncs += from.resyncs
  into.intervals += from.intervals
  into.sumIntervalMs += from.sumIntervalMs
}

export class RecordingVoiceOutput extends Context.Service<RecordingVoiceOutput, {
  /** What the guild has been sent so far (a snapshot). */
  readonly recording: (guildId: GuildId) => Effect.Effect<Recording>
  /** Pacing figures over every guild. */
  readonly totals: Effect.Effect<PacingStats>
  /** Guilds with a `play` in progress. */
  readonly playing: Effect.Effect<ReadonlyArray<GuildId>>
  /** Forgets what one guild (or every guild) was sent so far; a `play` in progress records on from there. */
  readonly clear: (guildId?: GuildId) => Effect.Effect<void>
}>()("reprise/voice/RecordingVoiceOutput") {
  /** Records packets and figures; provides both `VoiceOutput` and this service. */
  static readonly layer: Layer.Layer<VoiceOutput | RecordingVoiceOutput> = Layer.suspend(() =>
    RecordingVoiceOutput.layerWith({})
  )

  static layerWith(options: RecordingOptions): Layer.Layer<VoiceOutput | RecordingVoiceOutput> {
    return Layer.effectContext(Effect.gen(function*() {
      const keepPackets = options.keepPackets ?? true
      const lateThresholdMs = options.lateThresholdMs ?? 5
      const resyncAfterMs = options.resyncAfterMs ?? 200
      const clock = yield* Clock.Clock
      // Clock time (as the rest of the program sees it) read through `performance.now()`: the tick
      // reads the time once per packet, and a BigInt clock read per packet is measurable at 1000s of streams.
      const origin = Number(clock.currentTimeNanosUnsafe()) / 1e6 - performance.now()
      const nowMs = () => origin + performance.now()
      const logs = new Map<GuildId, GuildLog>()
      const active = new Map<GuildId, number>()
      const slots = new Set<Slot>()

      const logFor = (guildId: GuildId): GuildLog => {
        let log = logs.get(guildId)
        if (log === undefined) {
          log = { packets: [], sessions: 0, disconnects: 0, tally: emptyTally() }
          logs.set(guildId, log)
        }
        return log
      }

      const send = (slot: Slot, packet: OpusPacket, dueAtMs: number, underrun: boolean): void => {
        const sentAtMs = nowMs()
        const late = sentAtMs - dueAtMs
        const log = slot.log
        const t = log.tally
        t.packets++
        if (late > lateThresholdMs) {
          t.late++
          if (underrun) t.underruns++
        }
        if (late > 0) t.sumLateMs += late
        if (late > t.maxLateMs) t.maxLateMs = late
        if (slot.lastSentAt >= 0) {
          t.intervals++
          t.sumIntervalMs += sentAtMs - slot.lastSentAt
        }
        slot.lastSentAt = sentAtMs
        if (keepPackets) log.packets.push({ session: slot.session, index: slot.index, dueAtMs, sentAtMs, packet })
        slot.index++
      }

      /** Sends what `slot` has due at tick time `tickMs`; true when it took packets. */
      const serve = (slot: Slot, tickMs: number): boolean => {
        if (slot.t0 < 0) {
          if (slot.queued === 0) return false
          slot.t0 = tickMs
        }
        let sent = 0
        while (sent < READ_AHEAD) {
          const dueAtMs = slot.t0 + slot.index * FRAME_MS
          // (tick and due times are both start + k × 20 ms; the margin only absorbs float rounding)
          if (dueAtMs > tickMs + 1) break
          const packet = takePacket(slot)
          if (packet === undefined) {
            if (!slot.ended) slot.starved = true
            break
          }
          if (tickMs - dueAtMs > resyncAfterMs) {
            // Re-anchor so this packet is due now and the next one 20 ms later.
            slot.t0 += tickMs - dueAtMs
            slot.log.tally.resyncs++
            send(slot, packet, tickMs, slot.starved)
          } else {
            send(slot, packet, dueAtMs, slot.starved)
          }
          slot.starved = false
          sent++
        }
        return sent > 0
      }

      // The cycle: one timer for all streams, stopped while nothing plays.
      let timer: ReturnType<typeof setTimeout> | undefined
      let nextTickMs = 0
      const tick = (): void => {
        timer = undefined
        let tickMs = nextTickMs
        const now = nowMs()
        // The process froze (or the loop was held) for longer than a jitter buffer hides: start a
        // new grid at now rather than firing a burst of back-to-back ticks.
        if (now - tickMs > resyncAfterMs) tickMs = nextTickMs = now
        const served: Array<Slot> = []
        for (const slot of slots) if (serve(slot, tickMs)) served.push(slot)
        // Only then let the pulling fibers refill: a resumed fiber runs at once, inside `wake`
        // (pulling, demuxing…), and doing that between sends made the later streams of a tick late.
        for (const slot of served) slot.wake?.()
        if (slots.size === 0) return
        nextTickMs += FRAME_MS
        timer = setTimeout(tick, Math.max(0, nextTickMs - nowMs()))
      }
      const startCycle = (): void => {
        if (timer !== undefined) return
        nextTickMs = nowMs() + FRAME_MS
        timer = setTimeout(tick, FRAME_MS)
      }
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          if (timer !== undefined) clearTimeout(timer)
          timer = undefined
          slots.clear()
        })
      )

      /** Suspends until fewer than `limit` packets are queued in `slot`. */
      const waitForRoom = (slot: Slot, limit: number): Effect.Effect<void> =>
        slot.queued < limit ? Effect.void : Effect.callback<void>((resume) => {
          slot.wake = () => {
            slot.wake = undefined
            resume(Effect.void)
          }
          return Effect.sync(() => void (slot.wake = undefined))
        }).pipe(Effect.andThen(Effect.suspend(() => waitForRoom(slot, limit))))

      const play = <E>(guildId: GuildId, packets: Stream.Stream<OpusPacket, E>): Effect.Effect<void, E> =>
        Effect.suspend(() => {
          const log = logFor(guildId)
          const slot: Slot = {
            log,
            session: ++log.sessions,
            chunks: [],
            cursor: 0,
            queued: 0,
            index: 0,
            t0: -1,
            lastSentAt: -1,
            starved: false,
            ended: false,
            wake: undefined
          }
          active.set(guildId, (active.get(guildId) ?? 0) + 1)
          slots.add(slot)
          startCycle()
          return Stream.runForEachArray(packets, (chunk) => {
            if (chunk.length > 0) {
              slot.chunks.push(chunk)
              slot.queued += chunk.length
            }
            return waitForRoom(slot, READ_AHEAD)
          }).pipe(
            // The stream ended (or failed): what is queued still goes out, in time, before `play` returns.
            Effect.onExit(() => Effect.sync(() => void (slot.ended = true))),
            Effect.exit,
            Effect.flatMap((exit) => Effect.as(waitForRoom(slot, 1), exit)),
            Effect.flatten,
            Effect.ensuring(Effect.sync(() => {
              slots.delete(slot)
              const n = (active.get(guildId) ?? 1) - 1
              if (n === 0) active.delete(guildId)
              else active.set(guildId, n)
            }))
          )
        }).pipe(Effect.withSpan("VoiceOutput.play", { attributes: { guildId } }))

      const recordingOf = (guildId: GuildId): Recording => {
        const log = logFor(guildId)
        return {
          guildId,
          packets: [...log.packets],
          sessions: log.sessions,
          disconnects: log.disconnects,
          stats: statsOf(log.tally)
        }
      }

      const recorder = RecordingVoiceOutput.of({
        recording: (guildId) => Effect.sync(() => recordingOf(guildId)),
        totals: Effect.sync(() => {
          const total = emptyTally()
          for (const log of logs.values()) addTally(total, log.tally)
          return statsOf(total)
        }),
        playing: Effect.sync(() => [...active.keys()]),
        clear: (guildId) =>
          Effect.sync(() => {
            // Reset in place: a `play` in progress keeps writing to the same log.
            const reset = (log: GuildLog) => {
              log.packets.length = 0
              log.sessions = 0
              log.disconnects = 0
              Object.assign(log.tally, emptyTally())
            }
            if (guildId === undefined) logs.forEach(reset)
            else if (logs.has(guildId)) reset(logs.get(guildId)!)
          })
      })

      // Nothing here ends a connection on its own: `left` never delivers.
      const left = yield* PubSub.unbounded<VoiceLeft>()
      const channels = new Map<GuildId, ChannelId>()
      const output = VoiceOutput.of({
        join: (guildId, channelId) => Effect.sync(() => void channels.set(guildId, channelId)),
        leave: (guildId) =>
          Effect.sync(() => {
            channels.delete(guildId)
            logFor(guildId).disconnects++
          }),
        play,
        channelOf: (guildId) => Effect.sync(() => channels.get(guildId) ?? null),
        left: PubSub.subscribe(left)
      })

      return Context.make(VoiceOutput, output).pipe(Context.add(RecordingVoiceOutput, recorder))
    }))
  }
}
