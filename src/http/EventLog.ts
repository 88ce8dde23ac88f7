/**
 * Every player event with an id, and the latest of each guild's kept, so a live client (the
 * dashboard, a script on the event stream) that loses its connection gets what it missed when it
 * comes back with the last id it saw, instead of starting over.
 */
import { Clock, Context, type Duration, Effect, Layer, PubSub, type Scope, Stream } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"

export interface Sequenced {
  /** `<process>-<sequence>`: the first part tells an id from before a restart, whose events are gone. */
  readonly id: string
  readonly seq: number
  readonly event: PlayerEvent
}

/**
 * A moment in which nothing happened, sent to every follower at once: a stream that turns it into
 * a keep-alive needs no timer of its own.
 */
export const Pulse = { _tag: "Pulse" } as const
export type Pulse = typeof Pulse
export const isPulse = (e: Sequenced | Pulse): e is Pulse => e === Pulse

export interface Following {
  /** The guild's events after the given id, or null when they are not all kept (or no id was given). */
  readonly missed: ReadonlyArray<Sequenced> | null
  /** The id of now: a client that starts from a fresh state has seen everything up to it. */
  readonly now: string
  /** The guild's events from then on, none of them in `missed`, and a `Pulse` every `pulse`. */
  readonly live: Stream.Stream<Sequenced | Pulse>
}

export interface EventLogOptions {
  /** How many of each guild's latest events are kept for replay. Default 256. */
  readonly perGuild?: number | undefined
  /** How often every follower gets a `Pulse`. Default 15 seconds. */
  readonly pulse?: Duration.Input | undefined
}

export class EventLog extends Context.Service<EventLog, {
  /** Follows a guild's events from after `lastEventId`; the live part lasts as long as the scope. */
  readonly follow: (guildId: GuildId, lastEventId: string | undefined) => Effect.Effect<Following, never, Scope.Scope>
}>()("reprise/http/EventLog") {
  static readonly layer = (options: EventLogOptions = {}) =>
    Layer.effect(
      EventLog,
      Effect.gen(function*() {
        const registry = yield* PlayerRegistry
        const perGuild = options.perGuild ?? 256
        const boot = (yield* Clock.currentTimeMillis).toString(36)
        // One hub per guild, so an event wakes only the clients that follow its guild. Sliding, as
        // the registry's own: a client that stops reading loses old events, nobody waits for it.
        const guilds = new Map<GuildId, {
          readonly events: Array<Sequenced>
          droppedUpTo: number
          readonly hub: PubSub.PubSub<Sequenced | Pulse>
        }>()
        const guildOf = (guildId: GuildId) =>
          Effect.suspend(() => {
            const known = guilds.get(guildId)
            if (known !== undefined) return Effect.succeed(known)
            return Effect.map(PubSub.sliding<Sequenced | Pulse>(256), (hub) => {
              const guild = { events: [], droppedUpTo: 0, hub }
              guilds.set(guildId, guild)
              return guild
            })
          })
        let seq = 0

        const record = (event: PlayerEvent) =>
          Effect.flatMap(guildOf(event.guildId), (guild) => {
            seq += 1
            const sequenced: Sequenced = { id: `${boot}-${seq}`, seq, event }
            guild.events.push(sequenced)
            if (guild.events.length > perGuild) {
              const dropped = guild.events.splice(0, guild.events.length - perGuild)
              guild.droppedUpTo = dropped[dropped.length - 1]?.seq ?? guild.droppedUpTo
            }
            return PubSub.publish(guild.hub, sequenced)
          })
        const subscription = yield* registry.subscribe
        yield* Stream.fromSubscription(subscription).pipe(Stream.runForEach(record), Effect.forkScoped)
        // One timer for all followers, instead of one per connection; a hub nobody follows drops it.
        yield* Effect.sleep(options.pulse ?? "15 seconds").pipe(
          Effect.andThen(Effect.suspend(() =>
            Effect.forEach(guilds.values(), (guild) => PubSub.publish(guild.hub, Pulse), { discard: true })
          )),
          Effect.forever,
          Effect.forkScoped
        )

        /** The sequence number of an id this process gave, or null. */
        const seqOf = (id: string | undefined): number | null => {
          const match = id === undefined ? null : /^([0-9a-z]+)-(\d{1,15})$/.exec(id)
          return match === null || match[1] !== boot ? null : Number(match[2])
        }

        return EventLog.of({
          follow: Effect.fn("EventLog.follow")(function*(guildId: GuildId, lastEventId: string | undefined) {
            // Subscribed before the kept events are read, so nothing falls between the two; from here
            // to the return nothing yields, so `seq` is the moment the kept events were read.
            const guild = yield* guildOf(guildId)
            const live = yield* PubSub.subscribe(guild.hub)
            const after = seqOf(lastEventId)
            const complete = after !== null && after <= seq && after >= guild.droppedUpTo
            const upTo = seq
            return {
              missed: complete ? guild.events.filter((e) => e.seq > after) : null,
              now: `${boot}-${upTo}`,
              live: Stream.fromSubscription(live).pipe(
                Stream.filter((e) => isPulse(e) || e.seq > upTo)
              )
            } satisfies Following
          })
        })
      })
    )
}
