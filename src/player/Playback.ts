/**
 * The playback part of a guild player: its voice connection and the pipeline runs that feed it.
 * It carries out the `Work` the transition decides and never touches the player's state; a run
 * reports its end or failure back to the player's mailbox, tagged with its run id.
 */
import { Cause, Deferred, Duration, Effect, Exit, Fiber, Queue, Scope, Stream, type Tracer } from "effect"
import type { ChannelId, GuildId } from "../../schema/Ids.ts"
import { maxCrossfadeSeconds } from "../../schema/GuildRules.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { QueueEntry } from "../../schema/PlayerState.ts"
import type { Segment } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import { AudioPipeline, type Crossfade, type OpusPacket, PipelineError } from "../audio/AudioPipeline.ts"
import { playbackSpeed } from "../audio/EffectCatalog.ts"
import type { Playable } from "../audio/Playable.ts"
import { failureReason } from "../audio/PipelineFailure.ts"
import type { ResolveError } from "../resolve/ResolveError.ts"
import { Resolver } from "../resolve/Resolver.ts"
import { VoiceOutput } from "../voice/VoiceOutput.ts"
import { dueSegment } from "./Skips.ts"
import { crossfadeCut } from "./Crossfade.ts"
import { trackMsPerPacket } from "./Tempo.ts"
import { type ActiveRun, type Prepared, sameSound, type Sound, type Work } from "./Plan.ts"

type PlayWork = Extract<Work, { readonly _tag: "Play" }>

/** One pipeline run. `packets` is written by the run's fiber and read by the player's loop. */
interface Run {
  readonly runId: number
  readonly entryId: number
  readonly startMs: number
  readonly msPerPacket: number
  packets: number
  /** How long the track lasts, once known: how near its end the run is. */
  durationMs: number | null
  /** The segments the guild skips that this run has yet to reach; none until they are known. */
  segments: ReadonlyArray<Segment>
  /** What the run reads, once resolved: a crossfade out of it reads its end again. */
  source: Playable | null
}

/** A resolved source and its pipeline, opened and holding its first packets. */
interface Opened {
  readonly source: Playable
  readonly buffer: Queue.Dequeue<OpusPacket, PipelineError | Cause.Done>
}

/**
 * A pipeline being readied for an entry: resolved and opened as soon as `go` is given, or ahead
 * of time, once the current run is within `prefetchLeadMs` of its end. Its processes live in
 * `scope`, which the run that takes it over closes, or the player when it is dropped.
 */
interface Pending {
  readonly entry: QueueEntry
  readonly sound: Sound
  readonly scope: Scope.Closeable
  readonly go: Deferred.Deferred<void>
  readonly opened: Deferred.Deferred<Opened, ResolveError>
  /** The track's segments to skip, asked for beside its resolution; playback never waits for them. */
  readonly segments: Deferred.Deferred<ReadonlyArray<Segment>>
  /**
   * Set once its pipeline has its first packets, when it starts with a crossfade: the run of
   * `entryId` is then cut at `cutAtMs`, and the change that follows takes this pipeline over.
   */
  fade: { readonly entryId: number; readonly cutAtMs: number } | null
  /** The outgoing run was cut for this crossfade: no other change may take it (it replays that run's end). */
  armed: boolean
}

/**
 * How long before the current track's end the next one is resolved and opened: enough for a slow
 * resolution, and short enough that its source stays fresh and its process waits only briefly.
 */
const prefetchLeadMs = 10_000

const positionOf = (r: Run) => Math.round(r.startMs + r.packets * r.msPerPacket)

export type Playback = Effect.Success<ReturnType<typeof makePlayback>>

/**
 * Builds a guild's playback in the current scope; closing the scope stops the run and leaves voice.
 * `crossfadeMs`: the guild's crossfade, asked once per track change, shortly before it.
 */
export const makePlayback = Effect.fnUntraced(function*(
  guildId: GuildId,
  report: (command: Cmd.PlaybackReport) => Effect.Effect<void>,
  segmentsOf: (track: Track) => Effect.Effect<ReadonlyArray<Segment>>,
  crossfadeMs: Effect.Effect<number>
) {
  const pipeline = yield* AudioPipeline
  const voice = yield* VoiceOutput
  const resolver = yield* Resolver
  const scope = yield* Effect.scope
  yield* Effect.addFinalizer(() => voice.leave(guildId))

  // Only the player's loop calls in here, one call at a time.
  let current: { readonly run: Run; readonly fiber: Fiber.Fiber<void> } | null = null
  let prepared: Pending | null = null
  let lastRunId = 0

  /** Track time left in the current run; unknown (infinite) without a duration. */
  const remainingMs = () =>
    current === null || current.run.durationMs === null
      ? Number.POSITIVE_INFINITY
      : current.run.durationMs - positionOf(current.run)

  const nearEnd = (leadMs: number) =>
    Effect.gen(function*() {
      while (true) {
        const left = remainingMs() - leadMs
        if (left <= 0) return
        // Checked again at least every second: a seek, a learnt duration or a new run moves the end.
        yield* Effect.sleep(Duration.millis(Math.min(1_000, Math.max(50, left))))
      }
    })

  /**
   * The end of the current run to mix into `entry`'s start, when the change to it may be
   * crossfaded; null once `go` is given (a run asked for at once cuts). A short track is readied
   * as it starts, before its own source is known: that is awaited.
   */
  const fadeInto = Effect.fnUntraced(function*(pending: Pending, fadeMs: number) {
    const { entry, sound } = pending
    let out = current?.run
    while (out !== undefined && out.source === null && !Deferred.isDoneUnsafe(pending.go)) {
      yield* Effect.sleep("20 millis")
      out = current?.run
    }
    if (out === undefined || out.source === null || Deferred.isDoneUnsafe(pending.go)) return null
    const cutAtMs = crossfadeCut(fadeMs, playbackSpeed(sound.effects), {
      entryId: out.entryId,
      durationMs: out.durationMs,
      isLive: out.source.isLive,
      startMs: out.startMs,
      positionMs: positionOf(out)
    }, { entryId: entry.entryId, durationMs: entry.track.durationMs })
    if (cutAtMs === null) return null
    const crossfade: Crossfade = { source: out.source, startMs: cutAtMs, ms: fadeMs }
    return { entryId: out.entryId, crossfade }
  })

  /** Readies `entry`'s pipeline in a scope of its own; `early` waits for the current run's end to near. */
  const pend = Effect.fnUntraced(function*(entry: QueueEntry, sound: Sound, startMs: number, early: boolean) {
    const pending: Pending = {
      entry,
      sound,
      scope: yield* Scope.fork(scope),
      go: yield* Deferred.make<void>(),
      opened: yield* Deferred.make<Opened, ResolveError>(),
      segments: yield* Deferred.make<ReadonlyArray<Segment>>(),
      fade: null,
      armed: false
    }
    yield* Effect.gen(function*() {
      let fadeMs = 0
      if (early) {
        // The guild's crossfade is asked only near the end, so a change of it counts from the next track change.
        yield* Effect.raceFirst(Deferred.await(pending.go), nearEnd(prefetchLeadMs + maxCrossfadeSeconds * 1000))
        fadeMs = (yield* Deferred.isDone(pending.go)) ? 0 : yield* crossfadeMs
        yield* Effect.raceFirst(Deferred.await(pending.go), nearEnd(prefetchLeadMs + fadeMs))
      }
      yield* segmentsOf(entry.track).pipe(Deferred.into(pending.segments), Effect.forkIn(pending.scope))
      // A run asked for at once (a skip, a queue edit) cuts: only a track ending on its own fades out.
      const fade = fadeMs > 0 ? yield* fadeInto(pending, fadeMs) : null
      const source = yield* resolver.playable(entry.track)
      const opening = Effect.fnUntraced(function*(crossfade: Crossfade | undefined) {
        // A few packets of read-ahead: the voice output still pulls at the pace it sends.
        const buffer = yield* Queue.bounded<OpusPacket, PipelineError | Cause.Done>(4)
        const ready = yield* Deferred.make<void>()
        let flowing = false
        const fiber = yield* pipeline.open({ source, startMs, ...sound, crossfade }).pipe(
          Stream.tap(() => Effect.andThen(Effect.sync(() => flowing = true), Deferred.succeed(ready, undefined))),
          Stream.runIntoQueue(buffer),
          Effect.ensuring(Deferred.succeed(ready, undefined)),
          Effect.forkIn(pending.scope)
        )
        yield* Deferred.await(ready)
        return { buffer, fiber, flowing }
      })
      let open = yield* opening(fade?.crossfade)
      if (fade !== null) {
        // Only now may the outgoing run be cut for it, its first packets in hand; if that run is
        // already past the cut (a slow resolution, a seek), it ends on its own and this follows
        // plainly, as it does when the crossfade failed (the outgoing source gone): that must
        // not fail the next track.
        const run = current?.run
        const cutAtMs = fade.crossfade.startMs
        if (
          open.flowing && run !== undefined && run.entryId === fade.entryId && run.startMs < cutAtMs &&
          positionOf(run) < cutAtMs
        ) {
          pending.fade = { entryId: fade.entryId, cutAtMs }
        } else {
          if (!open.flowing) {
            yield* Queue.take(open.buffer).pipe(
              Effect.catchCause((cause) => Effect.logWarning("the crossfade could not start; the next track follows without it", cause)),
              Effect.asVoid
            )
          }
          yield* Fiber.interrupt(open.fiber)
          open = yield* opening(undefined)
        }
      }
      return { source, buffer: open.buffer }
    }).pipe(Deferred.into(pending.opened), Effect.forkIn(pending.scope))
    return pending
  })

  const drop = (pending: Pending | null) => pending === null ? Effect.void : Scope.close(pending.scope, Exit.void)

  /**
   * Make before break: the new pipeline is opened while the previous run still plays, and the
   * previous run is stopped only once the first new packet is in hand, so a change costs FFmpeg's
   * start-up in silence only when nothing was playing (and not even then when the entry was
   * prepared). With `align`, packets the previous run played meanwhile are dropped from the new
   * one, so nothing is heard twice.
   */
  const runOnce = (
    work: PlayWork,
    r: Run,
    pending: Pending,
    previous: { readonly run: Run; readonly fiber: Fiber.Fiber<void> } | null
  ) =>
    Effect.gen(function*() {
      yield* Deferred.succeed(pending.go, undefined)
      const { source, buffer } = yield* Deferred.await(pending.opened)
      r.source = source
      // A track that came without a duration learns it now, alongside the sound (`Resolver.duration`).
      if (work.entry.track.durationMs === null && !source.isLive) {
        yield* resolver.duration(source).pipe(
          Effect.flatMap((durationMs) => {
            if (durationMs === null || durationMs <= 0) return Effect.void
            r.durationMs = durationMs
            return report(new Cmd.DurationFound({ runId: r.runId, durationMs }))
          }),
          Effect.forkScoped
        )
      }
      // Known by the time it matters, or a little late: a segment still under way is skipped then.
      yield* Deferred.await(pending.segments).pipe(
        Effect.flatMap((segments) => Effect.sync(() => void (r.segments = segments))),
        Effect.forkScoped
      )
      let skip = 0
      if (previous !== null) {
        yield* Fiber.interrupt(previous.fiber)
        if (work.handover === "align") {
          skip = Math.max(0, Math.round((positionOf(previous.run) - r.startMs) / r.msPerPacket))
        }
      }
      const audible = new Cmd.TrackAudible({
        runId: r.runId,
        ...(source.substitution === undefined ? {} : { substitution: source.substitution })
      })
      const packets = Stream.fromQueue(buffer).pipe(
        Stream.takeWhile(() => !handsOver(r)),
        // The first packet out tells the player (and its listeners) that the track is heard; any packet
        // may reach a segment to skip. One step for both: it runs 50 times a second in every guild.
        Stream.tap(() => {
          const first = ++r.packets === 1
          const segment = r.segments.length === 0 ? null : dueSegment(r.segments, r.startMs, positionOf(r))
          if (segment === null) return first ? report(audible) : Effect.void
          // Told once: the player's answer (a new run, or the next track) comes a moment later.
          r.segments = r.segments.filter((s) => s !== segment)
          const reached = report(new Cmd.SegmentReached({ runId: r.runId, segment }))
          return first ? Effect.andThen(report(audible), reached) : reached
        }),
        Stream.drop(skip)
      )
      yield* voice.play(guildId, packets)
    }).pipe(
      Effect.scoped,
      Effect.ensuring(Scope.close(pending.scope, Exit.void)),
      // However this run ends, the one it replaces must not outlive it.
      Effect.ensuring(previous === null ? Effect.void : Fiber.interrupt(previous.fiber)),
      Effect.matchCauseEffect({
        onSuccess: () => report(new Cmd.TrackEnded({ runId: r.runId })),
        onFailure: (cause) => {
          if (Cause.hasInterruptsOnly(cause)) return Effect.void
          const error = Cause.squash(cause)
          // The process died under a track that was playing: the track can go on from here.
          const resumable = error instanceof PipelineError && error.crashed === true && r.packets > 0
          return report(
            new Cmd.TrackFailed({
              runId: r.runId,
              reason: failureReason(cause),
              detail: Cause.pretty(cause),
              ...(resumable ? { resumeAtMs: positionOf(r) } : {})
            })
          )
        }
      })
    )

  /**
   * True once `r` reaches the point where the prepared crossfade takes over: the run ends there,
   * as if its track had, and the change that follows plays the crossfade (which starts with the
   * rest of this track). A run that began past that point (a seek into the last seconds) plays on.
   */
  const handsOver = (r: Run): boolean => {
    const fade = prepared?.fade
    if (prepared === null || fade === undefined || fade === null || fade.entryId !== r.entryId) return false
    if (r.startMs >= fade.cutAtMs || positionOf(r) < fade.cutAtMs) return false
    prepared.armed = true
    return true
  }

  const stop = Effect.suspend(() => {
    const fiber = current?.fiber
    current = null
    return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
  })

  /** Readies what plays next, keeping what is already prepared for the same entry and sound. */
  const prepare = (next: Prepared | null) =>
    Effect.gen(function*() {
      if (next !== null && prepared !== null && prepared.entry.entryId === next.entry.entryId && sameSound(prepared.sound, next.sound)) {
        return
      }
      const stale = prepared
      prepared = null
      yield* drop(stale)
      if (next !== null) prepared = yield* pend(next.entry, next.sound, 0, true)
    })

  /**
   * The prepared pipeline when it is exactly what `work` asks for: the same entry from 0:00, the
   * same sound, and for a crossfade, the change its outgoing run was cut for.
   */
  const takePrepared = (work: PlayWork): Pending | null => {
    const p = prepared
    if (p === null || work.startMs !== 0 || p.entry.entryId !== work.entry.entryId || !sameSound(p.sound, work.sound)) return null
    if (p.fade !== null && !p.armed) return null
    prepared = null
    return p
  }

  /**
   * Starts the run the transition asked for. A track can play for an hour: its span is a root of
   * its own, linked to the command that started it, not a child of a command span long finished.
   */
  const play = Effect.fnUntraced(function*(work: PlayWork, cause: Tracer.AnySpan | undefined) {
    const previous = work.handover === "none" ? null : current
    if (previous === null) yield* stop
    const r: Run = {
      runId: work.runId,
      entryId: work.entry.entryId,
      startMs: work.startMs,
      msPerPacket: trackMsPerPacket(work.sound.effects),
      packets: 0,
      durationMs: work.entry.track.durationMs,
      segments: [],
      source: null
    }
    lastRunId = Math.max(lastRunId, work.runId)
    const taken = takePrepared(work)
    const pending = taken ?? (yield* pend(work.entry, work.sound, work.startMs, false))
    const fiber = yield* runOnce(work, r, pending, previous).pipe(
      Effect.withSpan("GuildPlayer.playback", {
        root: true,
        links: cause === undefined ? [] : [{ span: cause, attributes: { "link.kind": "started-by" } }],
        attributes: {
          "guild.id": guildId,
          "track.id": work.entry.track.id,
          "run.id": work.runId,
          "start.ms": work.startMs,
          prepared: taken !== null
        }
      }),
      Effect.forkIn(scope)
    )
    current = { run: r, fiber }
    // A seek into the crossfade's stretch: the run will not be cut, so the next track follows it plainly.
    const p = prepared
    if (p !== null && p.fade !== null && p.fade.entryId === r.entryId && r.startMs >= p.fade.cutAtMs) {
      prepared = null
      yield* drop(p)
      prepared = yield* pend(p.entry, p.sound, 0, true)
    }
  })

  return {
    play,
    stop,
    prepare,
    /** The live position of the current run; `fallback` when nothing runs. */
    position: (fallback: number): number => (current === null ? fallback : positionOf(current.run)),
    /** The run that plays, as the transition names runs. */
    active: (): ActiveRun | null =>
      current === null || current.fiber.pollUnsafe() !== undefined
        ? null
        : { runId: current.run.runId, entryId: current.run.entryId },
    /** The highest run id ever started: run ids are never reused, so no late report can pass for a new run. */
    lastRunId: () => lastRunId,
    connect: (channelId: ChannelId) => voice.join(guildId, channelId)
  }
})
