/**
 * The application core: every use-case of the bot as one operation that takes who asks (an
 * `Actor`) and answers with a typed result or a typed refusal. Every edge — the Discord
 * handlers today, the HTTP API and others later — calls these and only renders the answers.
 * Authorization is decided here, once, by the pure rules in Authorization.ts.
 */
import { Context, Duration, Effect, Layer, Option } from "effect"
import type { SqlError } from "effect/sql"
import type { EqPreset, EffectName, Volume } from "../../schema/Effects.ts"
import { applyDjOnly, type DjOnlyChange } from "../../schema/GuildRules.ts"
import type { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { PlayerError } from "../../schema/PlayerError.ts"
import type { ReplyOf, SkipReply } from "../../schema/PlayerReply.ts"
import type { LoopMode, PlayerState, QueueEntry } from "../../schema/PlayerState.ts"
import type { SponsorCategory } from "../../schema/Segments.ts"
import type { ResolveError } from "../resolve/ResolveError.ts"
import { Resolver, type Suggestion } from "../resolve/Resolver.ts"
import { section as resolveSection } from "../resolve/ResolveSettings.ts"
import * as Section from "../config/Section.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { type GuildAccessSettings, type GuildLimits, GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import type { FailureOf } from "../player/GuildPlayer.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"
import type { VoiceError } from "../voice/VoiceOutput.ts"
import { type Actor, initiator, member, type Origin } from "./Actor.ts"
import { auditEvent } from "./AuditEvents.ts"
import { AuditTrail } from "./AuditTrail.ts"
import { type Action, decide, type Room, votesNeeded } from "./Authorization.ts"
import { makePlay, type PlayProgress, type PlayRequest } from "./Play.ts"
import {
  JumpNeedsDj,
  LimitAboveCap,
  NothingFound,
  NotInVoice,
  type Refusal,
  refusal,
  StoreUnavailable
} from "./Refusal.ts"

/** What a use-case can fail with: a refusal of the core, or of the player, resolution or voice below it. */
export type ControlError = Refusal | PlayerError | ResolveError | VoiceError

/** A skip asked for: done at once, or a vote that counted (or was `repeated`, counted before) but did not pass yet. */
export type SkipOutcome =
  | {
    readonly _tag: "Voted"
    readonly entry: QueueEntry
    readonly votes: number
    readonly needed: number
    readonly repeated: boolean
  }
  | (SkipReply & { readonly _tag: "Skipped"; readonly byVote: boolean })

export interface SettingsChange {
  /** A role to make the DJ role, or null to turn DJ rules off. */
  readonly djRole?: RoleId | null | undefined
  readonly voteSkipRatio?: number | undefined
  readonly autoplay?: boolean | undefined
  /** 24/7: stay in the voice channel when the queue ends or everyone leaves. */
  readonly stay?: boolean | undefined
  /** Post the now-playing message anew for each track, at the bottom of the channel, instead of editing it. */
  readonly repost?: boolean | undefined
  /** Seconds a track that ends on its own fades into the next (0: none). */
  readonly crossfade?: number | undefined
  /** The guild's limit on queued tracks, or null for the bot's cap alone (MAX_QUEUE_LENGTH). */
  readonly maxQueueLength?: number | null | undefined
  /** The guild's limit on a playlist's tracks, or null for the bot's cap alone (MAX_PLAYLIST_SIZE). */
  readonly maxPlaylistSize?: number | null | undefined
  /** The guild's limit on a track's length in minutes, or null for the bot's alone (MAX_TRACK_DURATION). */
  readonly maxTrackMinutes?: number | null | undefined
  readonly allowDuplicates?: boolean | undefined
  /** Action groups to keep for DJs (true) or open to everyone (false); those left out stay. */
  readonly djOnly?: DjOnlyChange | undefined
  /** The SponsorBlock categories to skip in YouTube videos; none: nothing is skipped. */
  readonly sponsorBlock?: ReadonlyArray<SponsorCategory> | undefined
}

export interface GuildSettingsView extends GuildAccessSettings, GuildLimits {
  readonly autoplay: boolean
  readonly stay: boolean
  readonly repost: boolean
  readonly sponsorBlock: ReadonlyArray<SponsorCategory>
  readonly crossfade: number
}

/** What a settings request did: the changes made (none for a plain look), and the settings before and after them. */
export interface SettingsOutcome {
  readonly applied: SettingsChange
  readonly before: GuildSettingsView
  readonly after: GuildSettingsView
}

/** The most any guild may set: the bot's own caps. */
export interface ControlCaps {
  readonly maxQueueLength: number
  readonly maxPlaylistSize: number
  /** The longest track played, in ms. */
  readonly maxTrackDurationMs: number
}

/** MAX_QUEUE_LENGTH's, MAX_PLAYLIST_SIZE's and MAX_TRACK_DURATION's defaults. */
export const defaultCaps: ControlCaps = { maxQueueLength: 1000, maxPlaylistSize: 1000, maxTrackDurationMs: 3 * 3_600_000 }

type Sent<C extends Cmd.UserCommand> = Effect.Effect<ReplyOf<C>, FailureOf<C> | Refusal>

export class Control extends Context.Service<Control, {
  /** A guild member as the gateway knows them, for edges that only have ids. */
  readonly member: (origin: Origin, guildId: GuildId, userId: UserId) => Effect.Effect<Option.Option<Actor>>
  readonly play: <E = never>(actor: Actor, request: PlayRequest<E>) => Effect.Effect<PlayProgress, ControlError | E>
  /** Search results to pick from; refused when there are none. `onAccepted` runs once the search is allowed. */
  readonly search: <E = never>(
    actor: Actor,
    query: string,
    onAccepted?: Effect.Effect<void, E>
  ) => Effect.Effect<ReadonlyArray<Suggestion>, ControlError | E>
  /** Suggestions while typing: never fails, answers within AUTOCOMPLETE_TIMEOUT. */
  readonly suggest: (query: string) => Effect.Effect<ReadonlyArray<Suggestion>>
  /** The guild's player as it is now (an empty one when none runs); anyone may look. */
  readonly view: (guildId: GuildId) => Effect.Effect<PlayerState>
  /** The voice channel the bot is in, in the guild. */
  readonly voiceChannel: (guildId: GuildId) => Effect.Effect<ChannelId | null>
  readonly pause: (actor: Actor) => Sent<Cmd.Pause>
  /** Also brings back a queue kept paused from before a restart, into the caller's voice channel. */
  readonly resume: (actor: Actor) => Effect.Effect<ReplyOf<Cmd.Resume>, ControlError>
  readonly togglePause: (actor: Actor) => Effect.Effect<ReplyOf<Cmd.TogglePause>, ControlError>
  /** A DJ's or the requester's skip happens; anyone else's is a vote. */
  readonly skip: (actor: Actor, count: number) => Effect.Effect<SkipOutcome, ControlError>
  readonly skipTo: (actor: Actor, position: number) => Sent<Cmd.SkipTo>
  readonly previous: (actor: Actor) => Sent<Cmd.Previous>
  readonly seek: (actor: Actor, positionMs: number) => Sent<Cmd.Seek>
  /** Stops, clears the queue and leaves voice. */
  readonly stop: (actor: Actor) => Sent<Cmd.Stop>
  readonly leave: (actor: Actor) => Effect.Effect<void, Refusal>
  readonly remove: (actor: Actor, position: number, to?: number) => Sent<Cmd.Remove>
  readonly move: (actor: Actor, from: number, to: number) => Sent<Cmd.Move>
  readonly shuffle: (actor: Actor) => Sent<Cmd.Shuffle>
  readonly setLoop: (actor: Actor, mode: LoopMode) => Sent<Cmd.SetLoop>
  readonly cycleLoop: (actor: Actor) => Sent<Cmd.CycleLoop>
  readonly clear: (actor: Actor) => Sent<Cmd.Clear>
  readonly setVolume: (actor: Actor, volume: Volume) => Sent<Cmd.SetVolume>
  /** Switches one effect on or off; `off` switches every effect off. */
  readonly toggleEffect: (actor: Actor, effect: EffectName | "off") => Sent<Cmd.ToggleEffect>
  /** Sets exactly these effects (none: every effect off). */
  readonly setEffects: (actor: Actor, effects: ReadonlyArray<EffectName>) => Sent<Cmd.SetEffects>
  readonly setEqualizer: (actor: Actor, preset: EqPreset) => Sent<Cmd.SetEqualizer>
  readonly settings: (actor: Actor, change: SettingsChange) => Effect.Effect<SettingsOutcome, Refusal>
}>()("reprise/control/Control") {
  /** Guilds may set limits up to `caps`. */
  static readonly make = (caps: ControlCaps) => Layer.effect(
    Control,
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const resolver = yield* Resolver
      const repo = yield* GuildSettingsRepo
      const directory = yield* GuildDirectory
      const audit = yield* AuditTrail

      /** Sends a command as the actor; what it changed goes to the audit log. */
      const send = <C extends Cmd.UserCommand>(actor: Actor, command: C) =>
        registry.send(actor.guildId, command).pipe(
          Effect.tap((reply) => {
            const event = auditEvent(command, reply)
            return event === null ? Effect.void : audit.record(actor, event.action, event.detail)
          })
        )
      const play = makePlay({ send, registry, resolver, settings: repo, maxTrackDurationMs: caps.maxTrackDurationMs })

      /** Everything the rules look at for this caller's guild. */
      const situation = Effect.fn("Control.situation")(function*(actor: Actor) {
        const settings = yield* repo.access(actor.guildId)
        const botChannelId = yield* registry.channel(actor.guildId)
        const listeners = botChannelId === null ? 0 : yield* directory.humansIn(actor.guildId, botChannelId)
        const state = yield* registry.state(actor.guildId)
        const room: Room = {
          botChannelId,
          listeners,
          djRoleId: settings.djRoleId,
          currentRequester: state.queue.current?.track.requester ?? null,
          djActions: settings.djActions
        }
        return { room, settings }
      })

      /** Fails with the refusal unless `action` is allowed; a vote is returned for the caller to count. */
      const authorize = Effect.fn("Control.authorize")(function*(action: Action, actor: Actor) {
        yield* Effect.annotateCurrentSpan({ "guild.id": actor.guildId, "user.id": actor.userId, action })
        const s = yield* situation(actor)
        const verdict = decide(action, actor, s.room)
        if (verdict._tag === "Refused") return yield* refusal(verdict.reason)
        return { ...s, vote: verdict._tag === "Vote" }
      })

      const act = <C extends Cmd.UserCommand>(action: Action, actor: Actor, command: (requester: UserId) => C): Sent<C> =>
        authorize(action, actor).pipe(Effect.andThen(send(actor, command(actor.userId))))

      /**
       * Resuming a queue the player kept paused without voice (a restart found its channel empty):
       * the caller is the listener now, so they bring the bot into their channel, as /play would.
       */
      const resuming = <C extends Cmd.Resume | Cmd.TogglePause>(actor: Actor, command: (requester: UserId) => C) =>
        Effect.gen(function*() {
          const state = yield* registry.state(actor.guildId)
          const away = (yield* registry.channel(actor.guildId)) === null
          if (!away || state.queue.current === null || !state.paused) return yield* act("pause", actor, command)
          yield* authorize("start", actor)
          if (actor.voiceChannelId === null) return yield* refusal(new NotInVoice())
          yield* registry.send(actor.guildId, new Cmd.Connect({ channelId: actor.voiceChannelId, requester: actor.userId }))
          return yield* send(actor, command(actor.userId))
        })

      const skip = Effect.fn("Control.skip")(function*(actor: Actor, count: number) {
        const s = yield* authorize("skip", actor)
        if (!s.vote) {
          const reply = yield* send(actor, new Cmd.Skip({ count, requester: actor.userId }))
          return { _tag: "Skipped", byVote: false, ...reply } satisfies SkipOutcome
        }
        const needed = votesNeeded(s.room.listeners, s.settings.voteSkipRatio)
        const vote = yield* send(actor, new Cmd.VoteSkip({ needed, requester: actor.userId }))
        return vote._tag === "Voted"
          ? vote
          : { _tag: "Skipped", byVote: true, skipped: vote.skipped, now: vote.now } satisfies SkipOutcome
      })

      const settings = Effect.fn("Control.settings")(function*(actor: Actor, change: SettingsChange) {
        const s = yield* authorize("settings", actor)
        const before: GuildSettingsView = {
          ...s.settings,
          ...(yield* repo.limits(actor.guildId)),
          autoplay: yield* repo.autoplay(actor.guildId),
          stay: yield* repo.stayConnected(actor.guildId),
          repost: yield* repo.repostNowPlaying(actor.guildId),
          sponsorBlock: yield* repo.sponsorBlock(actor.guildId),
          crossfade: yield* repo.crossfade(actor.guildId)
        }
        const over = (what: LimitAboveCap["what"], limit: number | null | undefined, cap: number) =>
          limit !== undefined && limit !== null && limit > cap ? refusal(new LimitAboveCap({ what, cap })) : Effect.void
        yield* over("queue", change.maxQueueLength, caps.maxQueueLength)
        yield* over("playlist", change.maxPlaylistSize, caps.maxPlaylistSize)
        yield* over("track", change.maxTrackMinutes, Math.floor(caps.maxTrackDurationMs / 60_000))
        const unavailable = (error: SqlError.SqlError) =>
          Effect.logWarning("could not save a guild setting", { guildId: actor.guildId }, error).pipe(
            Effect.andThen(Effect.fail(refusal(new StoreUnavailable({ what: "settings" }))))
          )
        const saved = <A>(value: A | undefined, write: (value: A) => Effect.Effect<void, SqlError.SqlError>) =>
          value === undefined ? Effect.void : write(value).pipe(Effect.catch(unavailable))
        const { guildId } = actor
        yield* saved(change.djRole, (role) => repo.setDjRole(guildId, role))
        yield* saved(change.voteSkipRatio, (ratio) => repo.setVoteSkipRatio(guildId, ratio))
        yield* saved(change.autoplay, (on) => repo.setAutoplay(guildId, on))
        yield* saved(change.stay, (on) => repo.setStayConnected(guildId, on))
        yield* saved(change.repost, (on) => repo.setRepostNowPlaying(guildId, on))
        yield* saved(change.sponsorBlock, (categories) => repo.setSponsorBlock(guildId, categories))
        yield* saved(change.crossfade, (seconds) => repo.setCrossfade(guildId, seconds))
        const limits: Partial<GuildLimits> = {
          ...(change.maxQueueLength === undefined ? {} : { maxQueueLength: change.maxQueueLength }),
          ...(change.maxPlaylistSize === undefined ? {} : { maxPlaylistSize: change.maxPlaylistSize }),
          ...(change.maxTrackMinutes === undefined ? {} : { maxTrackMinutes: change.maxTrackMinutes }),
          ...(change.allowDuplicates === undefined ? {} : { allowDuplicates: change.allowDuplicates })
        }
        yield* saved(Object.keys(limits).length === 0 ? undefined : limits, (l) => repo.setLimits(guildId, l))
        const djActions = change.djOnly === undefined ? before.djActions : applyDjOnly(before.djActions, change.djOnly)
        yield* saved(change.djOnly === undefined ? undefined : djActions, (actions) => repo.setDjActions(guildId, actions))
        const changed = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined))
        if (Object.keys(changed).length > 0) yield* audit.record(actor, "settings", changed)
        const after: GuildSettingsView = {
          djRoleId: change.djRole === undefined ? before.djRoleId : change.djRole,
          voteSkipRatio: change.voteSkipRatio ?? before.voteSkipRatio,
          djActions,
          maxQueueLength: change.maxQueueLength === undefined ? before.maxQueueLength : change.maxQueueLength,
          maxPlaylistSize: change.maxPlaylistSize === undefined ? before.maxPlaylistSize : change.maxPlaylistSize,
          maxTrackMinutes: change.maxTrackMinutes === undefined ? before.maxTrackMinutes : change.maxTrackMinutes,
          allowDuplicates: change.allowDuplicates ?? before.allowDuplicates,
          autoplay: change.autoplay ?? before.autoplay,
          stay: change.stay ?? before.stay,
          repost: change.repost ?? before.repost,
          sponsorBlock: change.sponsorBlock ?? before.sponsorBlock,
          crossfade: change.crossfade ?? before.crossfade
        }
        return { applied: change, before, after } satisfies SettingsOutcome
      })

      return Control.of({
        member: (origin, guildId, userId) =>
          Effect.map(directory.member(guildId, userId), Option.map((info) => member(origin, guildId, info))),
        play: (actor, request) => authorize("start", actor).pipe(Effect.andThen(play(actor, request))),
        search: Effect.fn("Control.search")(function*<E>(actor: Actor, query: string, onAccepted?: Effect.Effect<void, E>) {
          yield* authorize("start", actor)
          if (onAccepted !== undefined) yield* onAccepted
          const results = yield* resolver.autocomplete(query)
          if (results.length === 0) return yield* refusal(new NothingFound({ query }))
          return results
        }),
        suggest: resolver.autocomplete,
        view: registry.state,
        voiceChannel: registry.channel,
        pause: (actor) => act("pause", actor, (requester) => new Cmd.Pause({ requester })),
        resume: (actor) => resuming(actor, (requester) => new Cmd.Resume({ requester })),
        togglePause: (actor) => resuming(actor, (requester) => new Cmd.TogglePause({ requester })),
        skip,
        skipTo: (actor, position) =>
          authorize("skip", actor).pipe(
            Effect.flatMap((s) => s.vote ? Effect.fail(refusal(new JumpNeedsDj())) : Effect.void),
            Effect.andThen(send(actor, new Cmd.SkipTo({ position, requester: actor.userId })))
          ),
        previous: (actor) => act("previous", actor, (requester) => new Cmd.Previous({ requester })),
        seek: (actor, positionMs) => act("seek", actor, (requester) => new Cmd.Seek({ positionMs, requester })),
        stop: (actor) =>
          act("stop", actor, (requester) => new Cmd.Stop({ requester })).pipe(
            // Tearing the player down leaves voice now rather than after the idle window.
            Effect.tap(() => registry.release(actor.guildId, { reason: "stopped", by: initiator(actor) }))
          ),
        leave: (actor) =>
          authorize("stop", actor).pipe(
            Effect.andThen(registry.release(actor.guildId, { reason: "left", by: initiator(actor) })),
            Effect.andThen(audit.record(actor, "left"))
          ),
        remove: (actor, position, to) => act("queue", actor, (requester) => new Cmd.Remove({ position, to, requester })),
        move: (actor, from, to) => act("queue", actor, (requester) => new Cmd.Move({ from, to, requester })),
        shuffle: (actor) => act("queue", actor, (requester) => new Cmd.Shuffle({ requester })),
        setLoop: (actor, mode) => act("loop", actor, (requester) => new Cmd.SetLoop({ mode, requester })),
        cycleLoop: (actor) => act("loop", actor, (requester) => new Cmd.CycleLoop({ requester })),
        clear: (actor) => act("clear", actor, (requester) => new Cmd.Clear({ requester })),
        setVolume: (actor, volume) => act("volume", actor, (requester) => new Cmd.SetVolume({ volume, requester })),
        toggleEffect: (actor, effect) =>
          act("effects", actor, (requester) =>
            effect === "off"
              ? new Cmd.SetEffects({ effects: [], requester })
              : new Cmd.ToggleEffect({ effect, requester })),
        setEffects: (actor, effects) => act("effects", actor, (requester) => new Cmd.SetEffects({ effects, requester })),
        setEqualizer: (actor, preset) => act("effects", actor, (requester) => new Cmd.SetEqualizer({ preset, requester })),
        settings
      })
    })
  )

  /** With the default caps. */
  static readonly layer = Control.make(defaultCaps)

  /** With the caps of the configuration: MAX_QUEUE_LENGTH, MAX_PLAYLIST_SIZE and MAX_TRACK_DURATION. */
  static readonly layerConfig = Layer.unwrap(
    Effect.gen(function*() {
      const player = yield* Section.settingsOf(PlayerRegistry.section)
      const sources = yield* Section.settingsOf(resolveSection)
      return Control.make({
        maxQueueLength: player.maxQueueSize,
        maxPlaylistSize: sources.maxPlaylistSize,
        maxTrackDurationMs: Duration.toMillis(sources.maxTrackDuration)
      })
    })
  )
}
