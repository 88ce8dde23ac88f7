/**
 * One guild's player: a fiber that takes commands from its mailbox one at a time, is the
 * only writer of the guild's state, answers each sender through a Deferred and publishes
 * events. Playback runs in a child fiber that never touches state; it reports the end or
 * failure of its run back through the same mailbox.
 */
import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Option,
  PubSub,
  Queue,
  Random,
  Result,
  Stream,
  SubscriptionRef,
  type Tracer
} from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import {
  AlreadyPaused,
  NothingPlaying,
  NotPaused,
  type PlayerError,
  PlayerUnavailable,
  SeekOutOfRange
} from "../../schema/PlayerError.ts"
import * as Ev from "../../schema/PlayerEvent.ts"
import type { ReplyOf } from "../../schema/PlayerReply.ts"
import { initialPlayerState, type PlayerState, type QueueEntry } from "../../schema/PlayerState.ts"
import { AudioPipeline, type OpusPacket, PipelineError } from "../audio/AudioPipeline.ts"
import { Resolver } from "../resolve/Resolver.ts"
import { VoiceOutput } from "../voice/VoiceOutput.ts"
import * as Q from "./Queue.ts"
import { type ResolvedPlayerOptions, restartDelay } from "./PlayerOptions.ts"
import { trackMsPerPacket } from "./Tempo.ts"

export interface GuildPlayer {
  readonly guildId: GuildId
  /** Queues a command and waits for its answer. */
  readonly send: <C extends Cmd.UserCommand>(command: C) => Effect.Effect<ReplyOf<C>, PlayerError>
  readonly state: Effect.Effect<PlayerState>
  /** The current state, then every change; ends when the player is torn down. */
  readonly changes: Stream.Stream<PlayerState>
  /** The live playback position in ms, from the packets the voice output has taken. */
  readonly position: Effect.Effect<number>
}

export interface GuildPlayerDeps {
  readonly options: ResolvedPlayerOptions
  readonly events: PubSub.PubSub<Ev.PlayerEvent>
  /** Told after every command whether the player is idle (nothing playing, or paused). */
  readonly onIdle: (idle: boolean) => Effect.Effect<void>
}

interface Envelope {
  readonly command: Cmd.PlayerCommand
  readonly reply: Deferred.Deferred<unknown, PlayerError> | undefined
  readonly span: Tracer.AnySpan | undefined
}

/** One pipeline run. `packets` is written by the playback fiber and only read by the actor. */
interface Run {
  readonly runId: number
  readonly entryId: number
  readonly startMs: number
  readonly msPerPacket: number
  packets: number
}

interface Previous {
  readonly fiber: Fiber.Fiber<void>
  readonly run: Run
  readonly align: boolean
}

const shuttingDown = new PlayerUnavailable({ reason: "it is shutting down" })
const crashed = new PlayerUnavailable({ reason: "it hit an internal error and is restarting" })

/** Builds a guild's player in the current scope; closing the scope stops playback and leaves voice. */
export const makeGuildPlayer = Effect.fnUntraced(function*(guildId: GuildId, deps: GuildPlayerDeps) {
  const { events, onIdle, options } = deps
  const pipeline = yield* AudioPipeline
  const voice = yield* VoiceOutput
  const resolver = yield* Resolver
  const overrides = options.guildSettings === undefined ? {} : yield* options.guildSettings(guildId)
  const settings: Q.QueueSettings = { ...options.queue, ...overrides }

  const publish = (event: Ev.PlayerEvent) => PubSub.publish(events, event)

  // Finalizers run in reverse: the loop stops, pending senders are answered, playback
  // (and with it FFmpeg) is interrupted, and only then is voice left.
  const closed = yield* Deferred.make<void>()
  yield* Effect.addFinalizer(() =>
    voice.disconnect(guildId).pipe(
      Effect.andThen(publish(new Ev.Disconnected({ guildId }))),
      Effect.andThen(Deferred.succeed(closed, undefined))
    )
  )
  const scope = yield* Effect.scope
  const mailbox = yield* Queue.bounded<Envelope, Cause.Done>(options.mailboxCapacity)
  yield* Effect.addFinalizer(() =>
    Queue.clear(mailbox).pipe(
      Effect.flatMap((pending) => Effect.forEach(pending, (e) => answer(e, Exit.fail(shuttingDown)))),
      Effect.andThen(Queue.end(mailbox)),
      Effect.ignore
    )
  )
  const stateRef = yield* SubscriptionRef.make(initialPlayerState(guildId))

  // Actor-private: only the loop fiber reads or writes these.
  let run: Run | null = null
  let playing: Fiber.Fiber<void> | null = null
  let runCounter = 0

  const answer = (envelope: Envelope, exit: Exit.Exit<unknown, PlayerError>) =>
    envelope.reply === undefined ? Effect.void : Deferred.done(envelope.reply, exit)

  const report = (command: Cmd.PlaybackReport) =>
    Queue.offer(mailbox, { command, reply: undefined, span: undefined }).pipe(Effect.asVoid)

  const positionOf = (r: Run) => Math.round(r.startMs + r.packets * r.msPerPacket)

  const livePosition = (s: PlayerState): number => (run === null ? s.position.ms : positionOf(run))

  /**
   * Make before break: the new pipeline is opened while the previous run still plays, and the
   * previous run is stopped only once the first new packet is in hand, so a change costs FFmpeg's
   * start-up in silence only when nothing was playing. With `align`, packets the previous run played
   * meanwhile are dropped from the new one, so nothing is heard twice.
   */
  const playbackRun = (r: Run, entry: QueueEntry, s: PlayerState, previous: Previous | null) =>
    Effect.gen(function*() {
      const source = yield* resolver.playable(entry.track)
      // A few packets of read-ahead: the voice output still pulls at the pace it sends.
      const buffer = yield* Queue.bounded<OpusPacket, PipelineError | Cause.Done>(4)
      const ready = yield* Deferred.make<void>()
      yield* pipeline.open({
        source,
        startMs: r.startMs,
        effects: s.effects,
        equalizer: s.equalizer,
        volume: s.volume,
        normalize: s.normalize
      }).pipe(
        Stream.tap(() => Deferred.succeed(ready, undefined)),
        Stream.runIntoQueue(buffer),
        Effect.ensuring(Deferred.succeed(ready, undefined)),
        Effect.forkScoped
      )
      yield* Deferred.await(ready)
      let drop = 0
      if (previous !== null) {
        yield* Fiber.interrupt(previous.fiber)
        if (previous.align) drop = Math.max(0, Math.round((positionOf(previous.run) - r.startMs) / r.msPerPacket))
      }
      const packets = Stream.fromQueue(buffer).pipe(
        Stream.tap(() => Effect.sync(() => void r.packets++)),
        Stream.drop(drop)
      )
      yield* voice.play(guildId, packets)
    }).pipe(
      Effect.scoped,
      // However this run ends, the one it replaces must not outlive it.
      Effect.ensuring(previous === null ? Effect.void : Fiber.interrupt(previous.fiber)),
      Effect.matchCauseEffect({
        onSuccess: () => report(new Cmd.TrackEnded({ runId: r.runId })),
        onFailure: (cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.void
            : report(new Cmd.TrackFailed({ runId: r.runId, reason: failureReason(cause), detail: Cause.pretty(cause) }))
      }),
      Effect.withSpan("GuildPlayer.playback", {
        attributes: { "guild.id": guildId, "track.id": entry.track.id, "run.id": r.runId, "start.ms": r.startMs }
      })
    )

  /**
   * Starts a run of `entry` from `startMs`. `handover` keeps the current run playing until the new
   * one has sound ("align": and continues exactly where it got to); otherwise it is stopped first.
   */
  const startRun = Effect.fnUntraced(function*(
    entry: QueueEntry,
    startMs: number,
    s: PlayerState,
    handover: "none" | "jump" | "align" = "none"
  ) {
    const previous = handover !== "none" && playing !== null && run !== null
      ? { fiber: playing, run, align: handover === "align" }
      : null
    if (previous === null) yield* stopRun
    const r: Run = {
      runId: ++runCounter,
      entryId: entry.entryId,
      startMs,
      msPerPacket: trackMsPerPacket(s.effects),
      packets: 0
    }
    run = r
    playing = yield* Effect.forkIn(playbackRun(r, entry, s, previous), scope)
  })

  const stopRun = Effect.suspend(() => {
    const fiber = playing
    run = null
    playing = null
    return fiber === null ? Effect.void : Fiber.interrupt(fiber)
  })

  const commit = (s: PlayerState) => SubscriptionRef.set(stateRef, s)

  /** Makes `next` current and plays it from the start, or goes idle when there is none. */
  const playOrIdle = Effect.fnUntraced(function*(s: PlayerState, next: QueueEntry | null) {
    const atMs = yield* Clock.currentTimeMillis
    if (next === null) {
      yield* stopRun
      yield* commit({ ...s, paused: false, position: { ms: 0, atMs, playing: false } })
      yield* publish(new Ev.Idle({ guildId }))
      return
    }
    const started = { ...s, paused: false, position: { ms: 0, atMs, playing: true } }
    yield* commit(started)
    yield* startRun(next, 0, started)
    yield* publish(new Ev.TrackStarted({ guildId, entry: next, startMs: 0 }))
  })

  /** Restarts the current entry's pipeline at `startMs` (seek, volume, effects, resume). */
  const replaceRun = Effect.fnUntraced(function*(s: PlayerState, startMs: number, handover: "jump" | "align") {
    const atMs = yield* Clock.currentTimeMillis
    const current = s.queue.current
    const audible = current !== null && !s.paused
    const next = { ...s, position: { ms: startMs, atMs, playing: audible } }
    yield* commit(next)
    if (audible) yield* startRun(current, startMs, next, handover)
  })

  const queueChanged = (s: PlayerState) =>
    publish(new Ev.QueueChanged({ guildId, size: s.queue.upcoming.length, loop: s.queue.loop }))

  const fromResult = <A, E extends PlayerError>(r: Result.Result<A, E>): Effect.Effect<A, E> =>
    Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure)

  const leave = (entry: QueueEntry | null, reason: "finished" | "skipped" | "stopped") =>
    entry === null ? Effect.void : publish(new Ev.TrackEnded({ guildId, entry, reason }))

  const handle = Effect.fnUntraced(function*(command: Cmd.PlayerCommand) {
    const s = yield* SubscriptionRef.get(stateRef)
    const q = s.queue
    switch (command._tag) {
      case "Enqueue": {
        const r = yield* fromResult(Q.enqueue(q, command.tracks, command.position, settings))
        const wasEmpty = q.current === null
        const started = Q.startNext(r.state)
        const next = { ...s, queue: started.state }
        if (wasEmpty) yield* playOrIdle(next, started.next)
        else yield* commit(next)
        yield* queueChanged(next)
        // The first added entry may have gone straight to "now playing".
        const position = wasEmpty ? r.index : r.index + 1
        return {
          added: r.added,
          position,
          duplicates: r.duplicates,
          duplicatesAllowed: settings.allowDuplicates
        } satisfies ReplyOf<Cmd.Enqueue>
      }
      case "Skip":
      case "SkipTo": {
        const r = yield* fromResult(
          command._tag === "Skip" ? Q.skip(q, command.count, settings) : Q.skipTo(q, command.position, settings)
        )
        yield* leave(q.current, "skipped")
        const next = { ...s, queue: r.state }
        yield* playOrIdle(next, r.next)
        yield* queueChanged(next)
        return { skipped: r.skipped, now: r.next } satisfies ReplyOf<Cmd.Skip>
      }
      case "Previous": {
        const r = yield* fromResult(Q.previous(q))
        yield* leave(q.current, "skipped")
        const next = { ...s, queue: r.state }
        yield* playOrIdle(next, r.next)
        yield* queueChanged(next)
        return { now: r.next } satisfies ReplyOf<Cmd.Previous>
      }
      case "Seek": {
        const current = q.current
        if (current === null) return yield* new NothingPlaying()
        const duration = current.track.durationMs
        if (duration === null || command.positionMs > duration) {
          return yield* new SeekOutOfRange({ positionMs: command.positionMs, durationMs: duration })
        }
        yield* replaceRun(s, command.positionMs, "jump")
        yield* publish(new Ev.Seeked({ guildId, positionMs: command.positionMs }))
        return { positionMs: command.positionMs } satisfies ReplyOf<Cmd.Seek>
      }
      case "Pause": {
        if (q.current === null) return yield* new NothingPlaying()
        if (s.paused) return yield* new AlreadyPaused()
        const positionMs = livePosition(s)
        yield* stopRun
        const atMs = yield* Clock.currentTimeMillis
        yield* commit({ ...s, paused: true, position: { ms: positionMs, atMs, playing: false } })
        yield* publish(new Ev.Paused({ guildId, positionMs }))
        return { positionMs } satisfies ReplyOf<Cmd.Pause>
      }
      case "Resume": {
        if (q.current === null) return yield* new NothingPlaying()
        if (!s.paused) return yield* new NotPaused()
        const positionMs = s.position.ms
        yield* replaceRun({ ...s, paused: false }, positionMs, "jump")
        yield* publish(new Ev.Resumed({ guildId, positionMs }))
        return { positionMs } satisfies ReplyOf<Cmd.Resume>
      }
      case "Stop": {
        const r = Q.stop(q, settings)
        yield* leave(q.current, "stopped")
        const next = { ...s, queue: r.state }
        yield* playOrIdle(next, null)
        yield* queueChanged(next)
        return { count: r.removed.length } satisfies ReplyOf<Cmd.Stop>
      }
      case "Remove": {
        const r = yield* fromResult(Q.remove(q, command.position, command.to))
        const next = { ...s, queue: r.state }
        yield* commit(next)
        yield* queueChanged(next)
        return { removed: r.removed } satisfies ReplyOf<Cmd.Remove>
      }
      case "Move": {
        const r = yield* fromResult(Q.move(q, command.from, command.to))
        const next = { ...s, queue: r.state }
        yield* commit(next)
        yield* queueChanged(next)
        return { entry: r.entry, from: command.from, to: command.to } satisfies ReplyOf<Cmd.Move>
      }
      case "Shuffle": {
        const seed = yield* Random.nextInt
        const next = { ...s, queue: Q.shuffle(q, seed) }
        yield* commit(next)
        yield* queueChanged(next)
        return { count: q.upcoming.length } satisfies ReplyOf<Cmd.Shuffle>
      }
      case "Clear": {
        const r = Q.clear(q)
        const next = { ...s, queue: r.state }
        yield* commit(next)
        yield* queueChanged(next)
        return { count: r.removed.length } satisfies ReplyOf<Cmd.Clear>
      }
      case "SetLoop": {
        const next = { ...s, queue: Q.setLoop(q, command.mode) }
        yield* commit(next)
        yield* queueChanged(next)
        return { mode: command.mode } satisfies ReplyOf<Cmd.SetLoop>
      }
      case "SetVolume": {
        yield* replaceRun({ ...s, volume: command.volume }, livePosition(s), "align")
        yield* publish(new Ev.VolumeChanged({ guildId, volume: command.volume }))
        return { volume: command.volume } satisfies ReplyOf<Cmd.SetVolume>
      }
      case "SetEffects": {
        const { effects, equalizer, normalize } = command
        yield* replaceRun({ ...s, effects, equalizer, normalize }, livePosition(s), "align")
        yield* publish(new Ev.EffectsChanged({ guildId, effects, equalizer, normalize }))
        return { effects, equalizer, normalize } satisfies ReplyOf<Cmd.SetEffects>
      }
      case "TrackEnded":
      case "TrackFailed": {
        // A report from a run that was since replaced or stopped says nothing about now.
        if (run === null || run.runId !== command.runId || q.current === null) return undefined
        const entry = q.current
        if (command._tag === "TrackFailed") {
          yield* Effect.logWarning("track failed", { entryId: entry.entryId, trackId: entry.track.id }, command.detail)
          yield* publish(new Ev.TrackFailed({ guildId, entry, reason: command.reason }))
        } else {
          yield* leave(entry, "finished")
        }
        const r = Q.advance(q, command._tag === "TrackFailed" ? "failed" : "finished", settings)
        const next = { ...s, queue: r.state }
        yield* playOrIdle(next, r.next)
        if (r.state.upcoming.length !== q.upcoming.length) yield* queueChanged(next)
        return undefined
      }
    }
  })

  /** After a crash: put back the last good state and make playback agree with it. */
  const restore = Effect.fnUntraced(function*(good: PlayerState) {
    yield* commit(good)
    const current = good.queue.current
    if (current === null || good.paused) {
      yield* stopRun
    } else if (run === null || run.entryId !== current.entryId) {
      yield* startRun(current, good.position.ms, good)
    }
  })

  const process = (envelope: Envelope) =>
    Effect.gen(function*() {
      if (options.onCommand !== undefined) yield* options.onCommand(guildId, envelope.command)
      return yield* handle(envelope.command)
    }).pipe(
      Effect.withSpan("GuildPlayer.handle", {
        attributes: { "guild.id": guildId, command: envelope.command._tag },
        ...(envelope.span === undefined ? {} : { parent: envelope.span })
      })
    )

  /** Handles one envelope; a defect restores the last good state and waits out the backoff. */
  const step = (envelope: Envelope, crashes: number) =>
    Effect.gen(function*() {
      const good = yield* SubscriptionRef.get(stateRef)
      const exit = yield* Effect.exit(process(envelope))
      if (Exit.isSuccess(exit) || !(Cause.hasDies(exit.cause) || Cause.hasInterrupts(exit.cause))) {
        yield* answer(envelope, exit)
        return 0
      }
      if (!Cause.hasDies(exit.cause)) return crashes
      const delay = restartDelay(options, crashes + 1)
      yield* answer(envelope, Exit.fail(crashed))
      yield* Effect.logWarning(
        `guild player crashed on ${envelope.command._tag}; restarting from its last good state in ` +
          Duration.format(delay),
        exit.cause
      )
      yield* restore(good).pipe(
        Effect.andThen(Effect.sleep(delay)),
        Effect.withSpan("GuildPlayer.restart", {
          attributes: { "guild.id": guildId, crashes: crashes + 1, "delay.ms": Duration.toMillis(delay) }
        })
      )
      return crashes + 1
    }).pipe(
      // Whatever happens (even interruption at shutdown) the sender gets an answer; a no-op when it has one.
      Effect.ensuring(answer(envelope, Exit.fail(shuttingDown)))
    )

  const loop = Effect.gen(function*() {
    let crashes = 0
    while (true) {
      const envelope = yield* Queue.take(mailbox)
      crashes = yield* step(envelope, crashes)
      const s = yield* SubscriptionRef.get(stateRef)
      yield* onIdle(s.queue.current === null || s.paused)
    }
  }).pipe(Effect.annotateLogs({ guildId }))

  yield* onIdle(true)
  yield* Effect.forkScoped(loop)

  const send = <C extends Cmd.UserCommand>(command: C): Effect.Effect<ReplyOf<C>, PlayerError> =>
    Effect.gen(function*() {
      const reply = yield* Deferred.make<unknown, PlayerError>()
      const span = Option.getOrUndefined(yield* Effect.option(Effect.currentSpan))
      const accepted = yield* Queue.offer(mailbox, { command, reply, span })
      if (!accepted) return yield* shuttingDown
      // The loop answers each tag with that tag's reply type (see `handle`).
      return (yield* Deferred.await(reply)) as ReplyOf<C>
    })

  return {
    guildId,
    send,
    state: SubscriptionRef.get(stateRef),
    changes: SubscriptionRef.changes(stateRef).pipe(Stream.interruptWhen(Deferred.await(closed))),
    position: Effect.map(SubscriptionRef.get(stateRef), livePosition)
  } satisfies GuildPlayer
})

/** A short reason for users from whatever ended a playback run. */
const failureReason = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof PipelineError) return error.reason
  if (error instanceof Error && error.message !== "") return error.message
  return "the track could not be played"
}
