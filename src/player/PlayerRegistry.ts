import { Context, Deferred, Effect, FiberMap, Layer, PubSub, RcMap, Scope, Stream, type Duration } from "effect"
import { maxGuildLimit } from "../../schema/GuildRules.ts"
import type { ChannelId, GuildId } from "../../schema/Ids.ts"
import type { UserCommand } from "../../schema/PlayerCommand.ts"
import type { AutoplayFoundNothing, PlayerEvent, Teardown } from "../../schema/PlayerEvent.ts"
import type { ReplyOf } from "../../schema/PlayerReply.ts"
import type { Segment } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import { initialPlayerState, type PlayerState } from "../../schema/PlayerState.ts"
import type { AudioPipeline } from "../audio/AudioPipeline.ts"
import type { Resolver } from "../resolve/Resolver.ts"
import { VoiceOutput } from "../voice/VoiceOutput.ts"
import { DurationText, Integer, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { SponsorBlock } from "../sponsorblock/SponsorBlock.ts"
import { type FailureOf, type GuildPlayer, makeGuildPlayer } from "./GuildPlayer.ts"
import { countCommand } from "./PlayerMetrics.ts"
import { type PlayerOptions, resolvePlayerOptions } from "./PlayerOptions.ts"

const makeRegistry = Effect.fnUntraced(function*(options: PlayerOptions) {
  const resolved = resolvePlayerOptions(options)
  const scope = yield* Effect.scope
  // Sliding: a stalled subscriber (a dead SSE client) loses old events instead of holding players up.
  const events = yield* PubSub.sliding<PlayerEvent>(4096)
  const idleTimers = yield* FiberMap.make<GuildId>()

  // Why each player being torn down goes; one torn down with none given goes with the bot.
  const teardowns = new Map<GuildId, Teardown>()
  const shutdown: Teardown = { reason: "shutdown", by: null }

  /** The first reason given wins: a Stop's own teardown also ends the voice connection. */
  const release = (guildId: GuildId, why: Teardown): Effect.Effect<void> =>
    RcMap.has(players, guildId).pipe(
      Effect.flatMap((active) => {
        if (!active) return Effect.void
        if (!teardowns.has(guildId)) teardowns.set(guildId, why)
        return RcMap.invalidate(players, guildId)
      })
    )
  const teardownOf = (guildId: GuildId) =>
    Effect.sync(() => {
      const why = teardowns.get(guildId) ?? shutdown
      teardowns.delete(guildId)
      return why
    })

  // The teardown is forked into the registry's scope: it closes the player's scope, which must
  // not wait on the timer fiber that asked for it.
  // In 24/7 mode the window starts over instead, so turning 24/7 off is heeded within one window.
  const leaveWhenIdle = (guildId: GuildId): Effect.Effect<void> =>
    Effect.sleep(resolved.idleWindow).pipe(
      Effect.andThen(resolved.stayConnected(guildId)),
      Effect.flatMap((stay) =>
        stay ? leaveWhenIdle(guildId) : Effect.asVoid(Effect.forkIn(release(guildId, { reason: "idle", by: null }), scope))
      )
    )
  const onIdle = (guildId: GuildId) => (idle: boolean): Effect.Effect<void> =>
    idle
      ? FiberMap.run(idleTimers, guildId, leaveWhenIdle(guildId)).pipe(Effect.asVoid)
      : FiberMap.remove(idleTimers, guildId)

  // An invalidated player leaves the map at once but closes (leaves voice, says it stopped) later:
  // once nobody holds it, and then over a moment of its own. A command in that window must get a
  // new player that starts after the old one has gone, or the old one's leave would end the new
  // one's voice connection. Each player's last finalizer completes its entry here.
  const gone = new Map<GuildId, Deferred.Deferred<void>>()

  // Players are never closed by reference counting: only the idle timer (or release) invalidates them.
  const players: RcMap.RcMap<GuildId, GuildPlayer> = yield* RcMap.make({
    lookup: (guildId: GuildId) =>
      Effect.gen(function*() {
        const previous = gone.get(guildId)
        if (previous !== undefined) yield* Deferred.await(previous)
        const done = yield* Deferred.make<void>()
        gone.set(guildId, done)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (gone.get(guildId) === done) gone.delete(guildId)
          }).pipe(Effect.andThen(Deferred.succeed(done, undefined)))
        )
        return yield* makeGuildPlayer(guildId, { options: resolved, events, onIdle: onIdle(guildId), teardown: teardownOf(guildId) })
      }).pipe(Effect.annotateLogs({ guildId })),
    idleTimeToLive: "Infinity" satisfies Duration.Input
  })

  // A connection that ended on its own (kicked, alone, lost) leaves the player nothing to play into.
  const voice = yield* VoiceOutput
  const left = yield* voice.left
  yield* PubSub.take(left).pipe(
    Effect.flatMap((event) =>
      release(event.guildId, { reason: event.reason, by: null }).pipe(
        Effect.withSpan("PlayerRegistry.voiceLeft", { attributes: { "guild.id": event.guildId, reason: event.reason } })
      )
    ),
    Effect.forever,
    Effect.forkScoped
  )

  const withPlayer = <A, E>(guildId: GuildId, f: (player: GuildPlayer) => Effect.Effect<A, E>) =>
    RcMap.get(players, guildId).pipe(Effect.flatMap(f), Effect.scoped)

  const whenActive = <A>(guildId: GuildId, f: (player: GuildPlayer) => Effect.Effect<A>, otherwise: A) =>
    RcMap.has(players, guildId).pipe(
      Effect.flatMap((active) => (active ? withPlayer(guildId, f) : Effect.succeed(otherwise)))
    )

  return PlayerRegistry.of({
    send: <C extends UserCommand>(guildId: GuildId, command: C) =>
      withPlayer(guildId, (player) => player.send(command)).pipe(
        Effect.withSpan("PlayerRegistry.send", {
          attributes: { "guild.id": guildId, command: command._tag, "user.id": command.requester }
        })
      ),
    state: (guildId) => whenActive(guildId, (player) => player.state, initialPlayerState(guildId)),
    // Watching does not hold the player: the stream ends when the idle window tears it down.
    changes: (guildId) => Stream.unwrap(withPlayer(guildId, (player) => Effect.succeed(player.changes))),
    position: (guildId) => whenActive(guildId, (player) => player.position, 0),
    channel: voice.channelOf,
    events: Stream.fromPubSub(events),
    subscribe: PubSub.subscribe(events),
    notify: (event) => Effect.asVoid(PubSub.publish(events, event)),
    active: RcMap.keys(players).pipe(Effect.map((keys) => Array.from(keys))),
    release
  })
})

/** What a guild's players skip of a track: SponsorBlock's segments of the categories the guild chose. */
export const guildSegments = (settings: GuildSettingsRepo["Service"], sponsorBlock: SponsorBlock["Service"]) =>
(guildId: GuildId, track: Track): Effect.Effect<ReadonlyArray<Segment>> =>
  Effect.flatMap(settings.sponsorBlock(guildId), (categories) => sponsorBlock.forTrack(track, categories))

/**
 * Every guild's player: created on first command, torn down (FFmpeg killed, voice left) once it
 * has had nothing playing for its idle window, or at once when its voice connection ended.
 */
export class PlayerRegistry extends Context.Service<PlayerRegistry, {
  /**
   * Publishes an event that no player decides (autoplay found nothing), beside the players' own;
   * it changes no state, so it needs no player and no order among theirs.
   */
  readonly notify: (event: AutoplayFoundNothing) => Effect.Effect<void>
  /** Sends a command to the guild's player (starting it if needed) and waits for the answer. */
  readonly send: <C extends UserCommand>(guildId: GuildId, command: C) => Effect.Effect<ReplyOf<C>, FailureOf<C>>
  /** The guild's state; an inactive guild reads as an empty player without starting one. */
  readonly state: (guildId: GuildId) => Effect.Effect<PlayerState>
  /** The guild's state and every change until its player is torn down (starting it if needed). */
  readonly changes: (guildId: GuildId) => Stream.Stream<PlayerState>
  /** Live playback position in ms; 0 for an inactive guild. */
  readonly position: (guildId: GuildId) => Effect.Effect<number>
  /** The voice channel the guild's player is in (or joining). */
  readonly channel: (guildId: GuildId) => Effect.Effect<ChannelId | null>
  /** Events of every guild, from the moment the stream is run. */
  readonly events: Stream.Stream<PlayerEvent>
  /** A subscription that already receives events when this returns (no race with the next command). */
  readonly subscribe: Effect.Effect<PubSub.Subscription<PlayerEvent>, never, Scope.Scope>
  /** Guilds with a live player. */
  readonly active: Effect.Effect<ReadonlyArray<GuildId>>
  /** Tears the guild's player down now, as the idle window would, saying why. */
  readonly release: (guildId: GuildId, why: Teardown) => Effect.Effect<void>
}>()("reprise/player/PlayerRegistry") {
  /** Defaults: 5-minute idle window, 1000-entry queues, duplicates allowed. */
  static readonly layer = (
    options: PlayerOptions = {}
  ): Layer.Layer<PlayerRegistry, never, AudioPipeline | VoiceOutput | Resolver> =>
    Layer.effect(PlayerRegistry, makeRegistry(options))

  /**
   * PLAYER_IDLE_TIMEOUT: how long a player with nothing playing stays before it leaves voice;
   * MAX_QUEUE_LENGTH: the most tracks any guild's queue holds (a guild may set a lower limit).
   */
  static readonly section = Section.make({
    fields: {
      PLAYER_IDLE_TIMEOUT: DurationText("1 day").pipe(withDefault("5 minutes")),
      MAX_QUEUE_LENGTH: Integer(1, maxGuildLimit).pipe(withDefault("1000"))
    },
    build: (e) => ({ idleWindow: e.PLAYER_IDLE_TIMEOUT, maxQueueSize: e.MAX_QUEUE_LENGTH })
  })

  /**
   * The settings from its section, each guild's 24/7 mode, SponsorBlock categories and crossfade,
   * and a count of every command taken.
   */
  static readonly layerConfig = Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* Section.settingsOf(PlayerRegistry.section)
      const settings = yield* GuildSettingsRepo
      const sponsorBlock = yield* SponsorBlock
      return PlayerRegistry.layer({
        ...config,
        stayConnected: settings.stayConnected,
        segments: guildSegments(settings, sponsorBlock),
        crossfadeMs: (guildId) => Effect.map(settings.crossfade(guildId), (seconds) => seconds * 1000),
        onCommand: countCommand
      })
    })
  )
}
