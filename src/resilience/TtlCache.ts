import { Clock, Duration, Effect, Metric, Option } from "effect"
import * as Singleflight from "./Singleflight.ts"

/** Hits, misses and evictions of every resolver cache, labelled with `cache`. */
export const cacheHits = Metric.counter("reprise_resolve_cache_hits_total", {
  description: "Resolver cache lookups answered from the cache"
})
export const cacheMisses = Metric.counter("reprise_resolve_cache_misses_total", {
  description: "Resolver cache lookups that had to resolve"
})
export const cacheEvictions = Metric.counter("reprise_resolve_cache_evictions_total", {
  description: "Resolver cache entries dropped to stay within capacity"
})

/**
 * A bounded least-recently-used cache whose every entry has its own time-to-live, decided from
 * the value (a stream URL's TTL must never outlive the URL). Misses go through a singleflight,
 * so concurrent misses of one key run one lookup. Failures are never cached.
 *
 * Written here rather than using effect's `Cache` because the resolver needs eviction counts
 * as metrics and a per-value TTL that can be zero ("do not keep"), and `Cache` exposes neither.
 */
export interface TtlCache<K, A, E> {
  readonly get: (key: K) => Effect.Effect<A, E>
  /** Stores a value resolved elsewhere (e.g. a stream URL that came with the metadata). */
  readonly set: (key: K, value: A) => Effect.Effect<void>
  readonly invalidate: (key: K) => Effect.Effect<void>
  readonly size: Effect.Effect<number>
  readonly stats: Effect.Effect<{ readonly hits: number; readonly misses: number; readonly evictions: number }>
}

export interface TtlCacheOptions<K, A, E, R> {
  /** Label on the metrics. */
  readonly name: string
  readonly capacity: number
  /** Time to keep a fresh value; zero or less means do not keep it. */
  readonly timeToLive: (value: A, key: K, now: number) => Duration.Input
  readonly lookup: (key: K) => Effect.Effect<A, E, R>
  /** String form of the key (keys are compared as strings). */
  readonly keyOf?: ((key: K) => string) | undefined
}

export const make = Effect.fnUntraced(function*<K, A, E, R>(options: TtlCacheOptions<K, A, E, R>) {
  const entries = new Map<string, { readonly value: A; readonly expiresAt: number }>()
  const keyOf = options.keyOf ?? ((k: K) => String(k))
  const labels = { cache: options.name }
  const hits = Metric.withAttributes(cacheHits, labels)
  const misses = Metric.withAttributes(cacheMisses, labels)
  const evictions = Metric.withAttributes(cacheEvictions, labels)
  const counts = { hits: 0, misses: 0, evictions: 0 }

  const store = (key: K, value: A) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const ttl = Duration.toMillis(Duration.fromInputUnsafe(options.timeToLive(value, key, now)))
      const k = keyOf(key)
      entries.delete(k)
      if (!(ttl > 0)) return
      entries.set(k, { value, expiresAt: now + ttl })
      let evicted = 0
      // Map iterates in insertion order and reads re-insert, so the first key is the least recently used.
      for (const oldest of entries.keys()) {
        if (entries.size <= options.capacity) break
        entries.delete(oldest)
        evicted++
      }
      if (evicted > 0) {
        counts.evictions += evicted
        yield* Metric.update(evictions, evicted)
      }
    })

  const fresh = (key: K) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const k = keyOf(key)
      const entry = entries.get(k)
      if (entry === undefined) return Option.none<A>()
      entries.delete(k)
      if (entry.expiresAt <= now) return Option.none<A>()
      entries.set(k, entry)
      return Option.some(entry.value)
    })

  const flight = yield* Singleflight.make((key: K) => Effect.tap(options.lookup(key), (value) => store(key, value)))

  const get = (key: K): Effect.Effect<A, E> =>
    Effect.flatMap(fresh(key), (cached) => {
      if (Option.isSome(cached)) {
        counts.hits++
        return Effect.as(Metric.update(hits, 1), cached.value)
      }
      counts.misses++
      return Effect.andThen(Metric.update(misses, 1), flight.run(key))
    })

  return {
    get,
    set: store,
    invalidate: (key: K) => Effect.sync(() => void entries.delete(keyOf(key))),
    size: Effect.sync(() => entries.size),
    stats: Effect.sync(() => ({ ...counts }))
  } satisfies TtlCache<K, A, E>
})
