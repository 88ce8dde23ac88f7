import { Cache, Effect } from "effect"

/**
 * De-duplication of concurrent identical requests: while a lookup for a key runs, every other
 * caller with the same key joins it instead of starting its own (ten users pasting one link →
 * one yt-dlp run). Nothing is kept once it completes; caching is a separate layer.
 *
 * Built on effect's `Cache` with a zero time-to-live: it already shares one pending lookup per
 * key, counts waiters, and interrupts the lookup only when every waiter has gone.
 */
export interface Singleflight<K, A, E> {
  readonly run: (key: K) => Effect.Effect<A, E>
}

export const make = <K, A, E, R>(
  lookup: (key: K) => Effect.Effect<A, E, R>
): Effect.Effect<Singleflight<K, A, E>, never, R> =>
  Effect.map(
    Cache.makeWith(lookup, { capacity: Number.POSITIVE_INFINITY, timeToLive: () => 0 }),
    (cache) => ({ run: (key: K) => Cache.get(cache, key) })
  )
