/**
 * Whether a track that a command started is heard yet. The player announces a track's first
 * packet out (or its failure) a moment after it answered the command, and an answer must not
 * claim "now playing" for a track nobody hears: a request waits a short while for either.
 */
import { Duration, Effect, Option, PubSub } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import type { QueueEntry } from "../../schema/PlayerState.ts"
import type { PlayerRegistry } from "../player/PlayerRegistry.ts"

/** `Starting`: neither heard nor failed within the wait; the now-playing message will tell. */
export type Start =
  | { readonly _tag: "Playing" }
  | { readonly _tag: "Failed"; readonly reason: string }
  | { readonly _tag: "Starting" }

/** What `event` says about the start of entry `entryId` of `guildId`; null when nothing. */
export const startOf = (event: PlayerEvent, guildId: GuildId, entryId: number): Start | null => {
  if (event.guildId !== guildId) return null
  switch (event._tag) {
    case "TrackAudible":
      return event.entry.entryId === entryId ? { _tag: "Playing" } : null
    case "TrackFailed":
      return event.entry.entryId === entryId ? { _tag: "Failed", reason: event.reason } : null
    // Moved on before it was heard (skipped, stopped), or torn down: there is nothing more to wait for.
    case "TrackEnded":
      return event.entry.entryId === entryId ? { _tag: "Starting" } : null
    case "Disconnected":
      return { _tag: "Starting" }
    default:
      return null
  }
}

/**
 * Runs `command`, and when `started` finds that it started an entry, waits up to `within` for
 * that entry to be heard or to fail. Listening begins before the command, so no event is missed.
 */
export const awaitStart = <A, E, R>(
  registry: PlayerRegistry["Service"],
  guildId: GuildId,
  command: Effect.Effect<A, E, R>,
  started: (reply: A) => QueueEntry | null,
  within: Duration.Input
): Effect.Effect<{ readonly reply: A; readonly start: Start | null }, E, R> =>
  Effect.scoped(
    Effect.gen(function*() {
      const events = yield* registry.subscribe
      const reply = yield* command
      const entry = started(reply)
      if (entry === null) return { reply, start: null }
      const heard = Effect.gen(function*() {
        while (true) {
          const start = startOf(yield* PubSub.take(events), guildId, entry.entryId)
          if (start !== null) return start
        }
      })
      const start = yield* Effect.timeoutOption(heard, within)
      return { reply, start: Option.getOrElse(start, (): Start => ({ _tag: "Starting" })) }
    })
  )
