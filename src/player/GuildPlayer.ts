/**
 * One guild's player: a supervised fiber that takes commands from its mailbox one at a time,
 * asks the pure transition what they mean, carries out the work it names (Playback.ts), answers
 * each sender through a Deferred and publishes events. It is the only writer of the guild's state.
 *
 * Supervision: a defect anywhere in the loop — inside a command or around it — answers the
 * command in hand and every command still queued with `PlayerUnavailable` at once, puts back the
 * last good state, makes playback agree with it and restarts the loop after a capped backoff.
 */
import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
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
import type * as Cmd from "../../schema/PlayerCommand.ts"
import { type PlayerError, playerError, PlayerUnavailable } from "../../schema/PlayerError.ts"
import * as Ev from "../../schema/PlayerEvent.ts"
import type { ReplyOf } from "../../schema/PlayerReply.ts"
import { initialPlayerState, type PlayerState } from "../../schema/PlayerState.ts"
import type { VoiceError } from "../voice/VoiceOutput.ts"
import { makePlayback } from "./Playback.ts"
import { type ResolvedPlayerOptions, restartDelay } from "./PlayerOptions.ts"
import { type Core, initialCore, type Work } from "./Plan.ts"
import { recover, transition } from "./Transition.ts"

/** What a command can fail with: only joining voice does I/O a user can be told about. */
export type FailureOf<C extends Cmd.UserCommand> = C extends Cmd.Connect ? PlayerError | VoiceError : PlayerError

export interface GuildPlayer {
  readonly guildId: GuildId
  /** Queues a command and waits for its answer. */
  readonly send: <C extends Cmd.UserCommand>(command: C) => Effect.Effect<ReplyOf<C>, FailureOf<C>>
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
  /** Why the player is being torn down, asked when it is. */
  readonly teardown: Effect.Effect<Ev.Teardown>
}

interface Envelope {
  readonly command: Cmd.PlayerCommand
  readonly reply: Deferred.Deferred<unknown, PlayerError | VoiceError> | undefined
  readonly span: Tracer.AnySpan | undefined
}

const shuttingDown = playerError(new PlayerUnavailable({ reason: "it is shutting down" }))
const crashed = playerError(new PlayerUnavailable({ reason: "it hit an internal error and is restarting" }))

/** Builds a guild's player in the current scope; closing the scope stops playback and leaves voice. */
export const makeGuildPlayer = Effect.fnUntraced(function*(guildId: GuildId, deps: GuildPlayerDeps) {
  const { events, onIdle, options, teardown } = deps
  const settings = options.queue
  const publish = (event: Ev.PlayerEvent) => PubSub.publish(events, event)

  // Finalizers run in reverse: the loop stops, pending senders are answered, playback (and with
  // it FFmpeg) is interrupted, voice is left, and only then is the teardown announced.
  const closed = yield* Deferred.make<void>()
  yield* Effect.addFinalizer(() =>
    teardown.pipe(
      Effect.flatMap((why) => publish(new Ev.Disconnected({ guildId, ...why }))),
      Effect.andThen(Deferred.succeed(closed, undefined))
    )
  )
  const mailbox = yield* Queue.bounded<Envelope, Cause.Done>(options.mailboxCapacity)
  const report = (command: Cmd.PlaybackReport) =>
    Queue.offer(mailbox, { command, reply: undefined, span: undefined }).pipe(Effect.asVoid)
  const playback = yield* makePlayback(guildId, report, (track) => options.segments(guildId, track), options.crossfadeMs(guildId))
  yield* Effect.addFinalizer(() =>
    Queue.clear(mailbox).pipe(
      Effect.flatMap((pending) => Effect.forEach(pending, (e) => answer(e, Exit.fail(shuttingDown)))),
      Effect.andThen(Queue.end(mailbox)),
      Effect.ignore
    )
  )

  // Loop-private: only the loop fiber (and its supervisor) reads or writes these.
  let core: Core = initialCore(initialPlayerState(guildId))
  let good: Core = core
  let inFlight: Envelope | null = null
  let crashes = 0
  const stateRef = yield* SubscriptionRef.make(core.player)

  const answer = (envelope: Envelope, exit: Exit.Exit<unknown, PlayerError | VoiceError>) =>
    envelope.reply === undefined ? Effect.void : Deferred.done(envelope.reply, exit)

  const commit = (next: Core) => {
    core = next
    return SubscriptionRef.set(stateRef, next.player)
  }

  const perform = (work: ReadonlyArray<Work>, span: Tracer.AnySpan | undefined) =>
    Effect.forEach(work, (w) => {
      switch (w._tag) {
        case "Play":
          return playback.play(w, span)
        case "Stop":
          return playback.stop
        case "Prepare":
          return options.gapless ? playback.prepare(w.next) : Effect.void
        case "Publish":
          return publish(w.event)
      }
    }, { discard: true })

  const handle = Effect.fnUntraced(function*(envelope: Envelope) {
    const { command } = envelope
    if (options.onCommand !== undefined) yield* options.onCommand(guildId, command)
    if (command._tag === "Connect") {
      yield* playback.connect(command.channelId)
      return { channelId: command.channelId } satisfies ReplyOf<Cmd.Connect>
    }
    const outcome = transition(core, command, {
      nowMs: yield* Clock.currentTimeMillis,
      positionMs: playback.position(core.player.position.ms),
      seed: yield* Random.nextInt,
      settings
    })
    if (Result.isFailure(outcome.reply)) return yield* playerError(outcome.reply.failure)
    yield* commit(outcome.core)
    if (command._tag === "TrackFailed" && outcome.work.length > 0) {
      const resumed = outcome.work.every((w) => w._tag !== "Publish" || w.event._tag !== "TrackFailed")
      yield* Effect.logWarning(
        resumed ? "the audio process died; the track goes on from where it was" : "track failed",
        { reason: command.reason, resumeAtMs: command.resumeAtMs ?? null },
        command.detail
      )
    }
    yield* perform(outcome.work, envelope.span)
    return outcome.reply.success
  })

  /** Handles one envelope; a defect goes on to the supervisor with the command still in hand. */
  const step = (envelope: Envelope) =>
    Effect.gen(function*() {
      inFlight = envelope
      const exit = yield* Effect.exit(
        handle(envelope).pipe(
          Effect.withSpan("GuildPlayer.handle", {
            attributes: { "guild.id": guildId, command: envelope.command._tag },
            ...(envelope.span === undefined ? {} : { parent: envelope.span })
          })
        )
      )
      if (Exit.isFailure(exit) && Cause.hasDies(exit.cause)) return yield* Effect.failCause(exit.cause)
      inFlight = null
      crashes = 0
      // What a caller was told happened is what a crash must come back to.
      good = core
      yield* answer(envelope, Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? Exit.fail(shuttingDown) : exit)
    }).pipe(
      // Interrupted at shutdown mid-command: the sender still gets an answer (a no-op when it has one).
      Effect.onInterrupt(() => answer(envelope, Exit.fail(shuttingDown)))
    )

  const loop = Effect.gen(function*() {
    while (true) {
      yield* step(yield* Queue.take(mailbox))
      yield* onIdle(core.player.queue.current === null || core.player.paused)
    }
  })

  /** Answers everyone waiting, puts back the last good state, and waits out the backoff. */
  const restart = (cause: Cause.Cause<unknown>) =>
    Effect.gen(function*() {
      crashes++
      const delay = restartDelay(options, crashes)
      yield* Effect.annotateCurrentSpan({ crashes, "delay.ms": Duration.toMillis(delay) })
      // Drained before anyone is answered: whatever a caller sends after its answer waits for the restart.
      const pending = yield* Queue.clear(mailbox)
      const victims = inFlight === null ? pending : [inFlight, ...pending]
      const on = inFlight === null ? "between commands" : `on ${inFlight.command._tag}`
      inFlight = null
      yield* Effect.forEach(victims, (e) => answer(e, Exit.fail(crashed)), { discard: true })
      yield* Effect.logWarning(
        `guild player crashed ${on}; restarting from its last good state in ${Duration.format(delay)}`,
        cause
      )
      const recovered = recover(good, playback.active(), playback.lastRunId(), yield* Clock.currentTimeMillis)
      yield* commit(recovered.core)
      good = recovered.core
      yield* perform(recovered.work, undefined)
      // Playback reports carry no caller and may still be true (a track that ended): keep them.
      yield* Effect.forEach(pending.filter((e) => e.reply === undefined), (e) => Queue.offer(mailbox, e), { discard: true })
      yield* Effect.sleep(delay)
    }).pipe(
      Effect.withSpan("GuildPlayer.restart", { attributes: { "guild.id": guildId } })
    )

  const supervised: Effect.Effect<void> = loop.pipe(
    Effect.catchCause((cause) => {
      if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
      // The mailbox was ended: the player is being torn down.
      if (Cause.findErrorOption(cause).pipe(Option.exists(Cause.isDone))) return Effect.void
      return restart(cause).pipe(Effect.andThen(Effect.suspend(() => supervised)))
    })
  )

  yield* onIdle(true)
  yield* supervised.pipe(Effect.annotateLogs({ guildId }), Effect.forkScoped)

  const send = <C extends Cmd.UserCommand>(command: C): Effect.Effect<ReplyOf<C>, FailureOf<C>> =>
    Effect.gen(function*() {
      const reply = yield* Deferred.make<unknown, PlayerError | VoiceError>()
      const span = Option.getOrUndefined(yield* Effect.option(Effect.currentSpan))
      const accepted = yield* Queue.offer(mailbox, { command, reply, span })
      if (!accepted) return yield* shuttingDown
      return yield* Deferred.await(reply)
    }) as Effect.Effect<ReplyOf<C>, FailureOf<C>> // the loop answers each tag with that tag's reply (see `handle`)

  return {
    guildId,
    send,
    state: SubscriptionRef.get(stateRef),
    changes: SubscriptionRef.changes(stateRef).pipe(Stream.interruptWhen(Deferred.await(closed))),
    position: Effect.sync(() => playback.position(core.player.position.ms))
  } satisfies GuildPlayer
})

