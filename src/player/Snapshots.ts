/**
 * Keeps every guild's snapshot current, so that a restart resumes where the music was: after any
 * change (at most one write per guild per second) and every second while a track plays, so a crash
 * loses at most about a second of position. A player that ends on purpose (stopped, idle, left)
 * forgets its snapshot; at shutdown every live player writes its exact position one last time.
 * Writes go through the background writer: no player waits for the database.
 */
import { Clock, Effect, Layer, Schedule, Stream } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import type { Snapshot } from "../../schema/Snapshot.ts"
import { SnapshotRepo } from "../persistence/SnapshotRepo.ts"
import { Writer } from "../persistence/Writer.ts"
import { PlayerRegistry } from "./PlayerRegistry.ts"

export const layer = Layer.effectDiscard(
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const writer = yield* Writer
    const repo = yield* SnapshotRepo
    // Guilds with a live player, and those that changed since their last snapshot.
    const live = new Set<GuildId>()
    const changed = new Set<GuildId>()

    const snapshotOf = (guildId: GuildId) =>
      Effect.gen(function*() {
        const state = yield* registry.state(guildId)
        return {
          version: 1,
          state,
          voiceChannelId: yield* registry.channel(guildId),
          positionMs: Math.max(0, Math.round(yield* registry.position(guildId))),
          takenAtMs: yield* Clock.currentTimeMillis
        } satisfies Snapshot
      })

    const save = (guildId: GuildId) => Effect.flatMap(snapshotOf(guildId), (s) => writer.submit(repo.save(s)))

    const onEvent = (event: PlayerEvent) =>
      Effect.suspend(() => {
        if (event._tag !== "Disconnected") {
          live.add(event.guildId)
          changed.add(event.guildId)
          return Effect.void
        }
        live.delete(event.guildId)
        changed.delete(event.guildId)
        return writer.submit(repo.remove(event.guildId))
      })

    const tick = Effect.suspend(() =>
      Effect.forEach([...live], (guildId) =>
        Effect.flatMap(registry.state(guildId), (state) =>
          changed.has(guildId) || state.position.playing ? save(guildId) : Effect.void), { discard: true }).pipe(
          Effect.ensuring(Effect.sync(() => changed.clear()))
        )
    )

    // Added before the loop starts, so it runs after the loop stops: the last word is the exact position.
    yield* Effect.addFinalizer(() =>
      Effect.forEach([...live], save, { discard: true }).pipe(
        Effect.andThen(Effect.logInfo("saved the players' state for the next start", { guilds: live.size }))
      )
    )

    const events = yield* registry.subscribe
    // One fiber sees both events and ticks, so a guild's removal can never be overtaken by its last save.
    yield* Stream.merge(
      Stream.fromSubscription(events).pipe(Stream.map((event) => ({ _tag: "Event", event }) as const)),
      Stream.fromSchedule(Schedule.spaced("1 second")).pipe(Stream.map(() => ({ _tag: "Tick" }) as const))
    ).pipe(
      Stream.runForEach((item) => item._tag === "Event" ? onEvent(item.event) : tick),
      Effect.forkScoped
    )
  })
)
