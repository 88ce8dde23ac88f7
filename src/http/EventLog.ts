/**
 * Every player event with an id, and the latest of each guild's kept, so a live client (the
 * dashboard, a script on the event stream) that loses its connection gets what it missed when it
 * comes back with the last id it saw, instead of starting over.
 */
import { Clock, Context, type Duration, Effect, Layer, Stream } from "effect"
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

/** What a follower receives, in order, as it is recorded: called synchronously, so it must not block. */
export type Sink = (e: Sequenced | Pulse) => void

export interface Attached {
  /** The guild's events after the given id, or null when they are not all kept (or no id was given). */
  readonly missed: ReadonlyArray<Sequenced> | null
  /** The id of now: a client that starts from a fresh state has seen everything up to it. */
  readonly now: string
  /** Stops the sink's deliveries. */
  readonly detach: () => void
}

export interface EventLogOptions {
  /** How many of each guild's latest events are kept for replay. Default 256. */
  readonly perGuild?: number | undefined
  /** How often every follower gets a `Pulse`. Default 15 seconds. */
  readonly pulse?: Duration.Input | undefined
}

/**
 * Followers are sinks called as each event is recorded, not subscribers with fibers of their own:
 * an event for a guild followed by a thousand dashboards is one loop of a thousand writes of the
 * same bytes, instead of a thousand fibers woken to read a queue each.
 */
export class EventLog extends Context.Service<EventLog, {
  /** Delivers a guild's events after `lastEventId` to `sink` from now on, until `detach`. */
  readonly attach: (guildId: GuildId, lastEventId: string | undefined, sink: Sink) => Effect.Effect<Attached>
}>()("reprise/http/EventLog") {
  static readonly layer = (options: EventLogOptions = {}) =>
    Layer.effect(
      EventLog,
      Effect.gen(function*() {
        const registry = yield* PlayerRegistry
        const perGuild = options.perGuild ?? 256
        const boot = (yield* Clock.currentTimeMillis).toString(36)
        const guilds = new Map<GuildId, {
          readonly events: Array<Sequenced>
          droppedUpTo: number
          readonly sinks: Set<Sink>
        }>()
        const guildOf = (guildId: GuildId) => {
          const known = guilds.get(guildId)
          if (known !== undefined) return known
          const guild = { events: [], droppedUpTo: 0, sinks: new Set<Sink>() }
          guilds.set(guildId, guild)
          return guild
        }
        const deliver = (sinks: Set<Sink>, e: Sequenced | Pulse) => {
          for (const sink of sinks) sink(e)
        }
        let seq = 0

        const record = (event: PlayerEvent) =>
          Effect.sync(() => {
            const guild = guildOf(event.guildId)
            seq += 1
            const sequenced: Sequenced = { id: `${boot}-${seq}`, seq, event }
            guild.events.push(sequenced)
            if (guild.events.length > perGuild) {
              const dropped = guild.events.splice(0, guild.events.length - perGuild)
              guild.droppedUpTo = dropped[dropped.length - 1]?.seq ?? guild.droppedUpTo
            }
            deliver(guild.sinks, sequenced)
          })
        const subscription = yield* registry.subscribe
        yield* Stream.fromSubscription(subscription).pipe(Stream.runForEach(record), Effect.forkScoped)
        // One timer for all followers, instead of one per connection.
        yield* Effect.sleep(options.pulse ?? "15 seconds").pipe(
          Effect.andThen(Effect.sync(() => {
            for (const guild of guilds.values()) deliver(guild.sinks, Pulse)
          })),
          Effect.forever,
          Effect.forkScoped
        )

        /** The sequence number of an id this process gave, or null. */
        const seqOf = (id: string | undefined): number | null => {
          const match = id === undefined ? null : /^([0-9a-z]+)-(\d{1,15})$/.exec(id)
          return match === null || match[1] !== boot ? null : Number(match[2])
        }

        return EventLog.of({
          // Synchronous: the kept events are read and the sink added at one moment, so every event
          // is either in `missed` (or before `now`) or delivered, never both, never neither.
          attach: (guildId, lastEventId, sink) =>
            Effect.sync(() => {
              const guild = guildOf(guildId)
              const after = seqOf(lastEventId)
              const complete = after !== null && after <= seq && after >= guild.droppedUpTo
              guild.sinks.add(sink)
              return {
                missed: complete ? guild.events.filter((e) => e.seq > after) : null,
                now: `${boot}-${seq}`,
                detach: () => guild.sinks.delete(sink)
              } satisfies Attached
            })
        })
      })
    )
}
