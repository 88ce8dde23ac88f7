import { Duration, Effect, Layer, Option, Stream } from "effect"
import { longerThan, trackLimitMs } from "../../schema/GuildRules.ts"
import type { GuildId } from "../../schema/Ids.ts"
import { Enqueue } from "../../schema/PlayerCommand.ts"
import { AutoplayFoundNothing, type TrackEnded } from "../../schema/PlayerEvent.ts"
import type { Track } from "../../schema/Track.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { HistoryRepo } from "../persistence/HistoryRepo.ts"
import * as Section from "../config/Section.ts"
import { Resolver } from "../resolve/Resolver.ts"
import { section as resolveSection } from "../resolve/ResolveSettings.ts"
import { PlayerRegistry } from "./PlayerRegistry.ts"

export interface AutoplaySources {
  /** Whether the guild has autoplay on. */
  readonly enabled: (guildId: GuildId) => Effect.Effect<boolean, unknown>
  /** A track related to `after` whose id is none of `recentIds` (the source's related/mix list). */
  readonly related: (after: Track, recentIds: ReadonlyArray<string>) => Effect.Effect<Option.Option<Track>, unknown>
  /** Ids of what the guild played recently as its history records it (this run and earlier ones). */
  readonly played: (guildId: GuildId) => Effect.Effect<ReadonlyArray<string>>
  /** The longest track the guild plays, in ms (MAX_TRACK_DURATION, or the guild's own lower limit). */
  readonly trackLimitMs?: ((guildId: GuildId) => Effect.Effect<number>) | undefined
}

/** Related tracks passed over for their length before autoplay says it found nothing: each is a lookup. */
const lookupsAtMost = 3

/**
 * When a guild's queue runs out after a track played to its end or was skipped (skipping the last
 * track asks for something else, not for silence; a stop does) and the guild has autoplay on,
 * queues a related track that was not among its recent ones.
 * Guilds are served concurrently: one slow lookup never delays another guild.
 */
const continuesAfter: ReadonlySet<TrackEnded["reason"]> = new Set(["finished", "skipped"])

export const autoplay = (sources: AutoplaySources) =>
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const subscription = yield* registry.subscribe
    const lastEnded = new Map<GuildId, TrackEnded>()

    const fill = Effect.fn("Autoplay.fill")(function*(guildId: GuildId, after: Track) {
      yield* Effect.annotateCurrentSpan({ "guild.id": guildId })
      if (!(yield* sources.enabled(guildId))) return
      const state = yield* registry.state(guildId)
      const played = yield* sources.played(guildId)
      const recent = [...new Set([...state.queue.history.map((entry) => entry.track.id), ...played, after.id])]
      const limitMs = sources.trackLimitMs === undefined ? Infinity : yield* sources.trackLimitMs(guildId)
      // A related track longer than the guild plays is passed over as a recent one is, never queued.
      let next = yield* sources.related(after, recent)
      for (let lookups = 1; Option.isSome(next) && longerThan(next.value, limitMs); lookups++) {
        yield* Effect.logInfo("autoplay passed over a track longer than the guild plays", { guildId, track: next.value.id })
        recent.push(next.value.id)
        next = lookups < lookupsAtMost ? yield* sources.related(after, recent) : Option.none()
      }
      if (Option.isNone(next)) {
        yield* Effect.logInfo("autoplay found nothing new to play", { guildId })
        return yield* registry.notify(new AutoplayFoundNothing({ guildId, after: after.title }))
      }
      yield* registry.send(guildId, new Enqueue({ tracks: [next.value], position: "end", requester: after.requester }))
    }, (effect) =>
      effect.pipe(Effect.catchCause((cause) => Effect.logWarning("autoplay could not queue a track", cause))))

    yield* Stream.fromSubscription(subscription).pipe(
      Stream.mapEffect((event) => {
        if (event._tag === "TrackEnded") {
          lastEnded.set(event.guildId, event)
          return Effect.void
        }
        if (event._tag !== "Idle") return Effect.void
        const ended = lastEnded.get(event.guildId)
        lastEnded.delete(event.guildId)
        return ended !== undefined && continuesAfter.has(ended.reason) ? fill(event.guildId, ended.entry.track) : Effect.void
      }, { concurrency: 16, unordered: true }),
      Stream.runDrain
    )
  })

/** Autoplay running for the life of the program, for the guilds that turned it on in their settings. */
export const layer = Layer.effectDiscard(
  Effect.gen(function*() {
    const settings = yield* GuildSettingsRepo
    const resolver = yield* Resolver
    const history = yield* HistoryRepo
    const botLimitMs = Duration.toMillis((yield* Section.settingsOf(resolveSection)).maxTrackDuration)
    yield* Effect.forkScoped(autoplay({
      enabled: settings.autoplay,
      related: (after, recentIds) => resolver.related(after, recentIds, after.requester),
      trackLimitMs: (guildId) => Effect.map(settings.limits(guildId), (limits) => trackLimitMs(botLimitMs, limits.maxTrackMinutes)),
      // Without the database, the queue's own history still keeps autoplay from repeating itself.
      played: (guildId) =>
        history.recentTrackIds(guildId, 50).pipe(Effect.timeout("2 seconds"), Effect.orElseSucceed(() => []))
    }))
  })
)
