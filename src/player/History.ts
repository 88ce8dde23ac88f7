/**
 * Records every track played, from the player's events: a row when it starts, and how it ended
 * (finished, skipped, failed with the reason, stopped) with how much of it was heard. Writes go
 * through the background writer, keyed so a replay never doubles a row.
 */
import { Clock, Effect, Layer, Stream } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import { HistoryRepo, type PlayEnd } from "../persistence/HistoryRepo.ts"
import { Writer } from "../persistence/Writer.ts"
import { PlayerRegistry } from "./PlayerRegistry.ts"

interface Open {
  readonly key: string
  readonly guildId: GuildId
  readonly startMs: number
  readonly startedAtMs: number
}

export const layer = Layer.effectDiscard(
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const writer = yield* Writer
    const repo = yield* HistoryRepo
    // Plays not yet ended, by guild and queue entry.
    const open = new Map<string, Open>()
    const slot = (guildId: GuildId, entryId: number) => `${guildId}:${entryId}`

    const end = (play: Open, reason: PlayEnd, atMs: number | null, failReason: string | null) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const playedMs = Math.max(0, Math.round(atMs === null ? now - play.startedAtMs : atMs - play.startMs))
        yield* writer.submit(repo.ended({ key: play.key, endedAt: new Date(now), reason, playedMs, failReason }))
      })

    const close = (guildId: GuildId, entryId: number, reason: PlayEnd, atMs: number, failReason: string | null) =>
      Effect.suspend(() => {
        const play = open.get(slot(guildId, entryId))
        if (play === undefined) return Effect.void
        open.delete(slot(guildId, entryId))
        return end(play, reason, atMs, failReason)
      })

    const onEvent = (event: PlayerEvent) =>
      Effect.gen(function*() {
        switch (event._tag) {
          case "TrackStarted": {
            const { entry, guildId } = event
            const now = yield* Clock.currentTimeMillis
            // A track looping again is a new play: the time keeps the keys apart.
            const key = `${guildId}:${entry.entryId}:${now}`
            open.set(slot(guildId, entry.entryId), { key, guildId, startMs: event.startMs, startedAtMs: now })
            const t = entry.track
            return yield* writer.submit(repo.started({
              key,
              guildId,
              requester: t.requester,
              trackId: t.id,
              kind: t.kind,
              location: t.location,
              title: t.title,
              durationMs: t.durationMs,
              startedAt: new Date(now)
            }))
          }
          case "TrackEnded":
            return yield* close(event.guildId, event.entry.entryId, event.reason, event.atMs, null)
          case "TrackFailed":
            return yield* close(event.guildId, event.entry.entryId, "failed", event.atMs, event.reason)
          case "Disconnected": {
            // Torn down under a playing track (kicked, connection lost): it stopped there.
            const plays = [...open.entries()].filter(([, play]) => play.guildId === event.guildId)
            for (const [k] of plays) open.delete(k)
            return yield* Effect.forEach(plays, ([, play]) => end(play, "stopped", null, null), { discard: true })
          }
          default:
            return
        }
      })

    // Added before the loop starts, so it runs after the loop stops: what plays at shutdown stopped there.
    yield* Effect.addFinalizer(() =>
      Effect.forEach([...open.values()], (play) =>
        Effect.flatMap(registry.position(play.guildId), (atMs) => end(play, "stopped", atMs, null)), { discard: true })
    )
    const events = yield* registry.subscribe
    yield* Stream.fromSubscription(events).pipe(Stream.runForEach(onEvent), Effect.forkScoped)
  })
)
