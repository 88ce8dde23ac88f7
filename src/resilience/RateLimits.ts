/**
 * Rate limits: how many requests one user, API key or guild may make in a window, counted by
 * Effect's `RateLimiter` (its fixed window). In this process's memory by default; with REDIS_URL,
 * in Redis, so that every process of a deployment draws on one budget.
 *
 * The store guards, it is not depended on: while Redis is unreachable, or does not answer within
 * REDIS_TIMEOUT, requests are let through uncounted (`reprise_rate_limit_fail_open_total`) and a
 * warning is logged at most once a minute. An outage of Redis never stalls nor refuses anyone, and
 * never stops the bot from starting: the connection is made, and remade, in the background.
 */
import { NodeRedis } from "@effect/platform-node"
import { Cause, Context, Duration, Effect, Fiber, Layer, Metric, Option, Redacted, Ref, References, Schema } from "effect"
import { RateLimiter } from "effect/persistence"
import { type Budget, BudgetText, DurationText, RedisUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

/** What is counted: slash commands and buttons per user; API calls per key, dashboard user and guild. */
export const Bucket = Schema.Literals(["command", "api-key", "api-user", "api-guild"])
export type Bucket = typeof Bucket.Type

/**
 * Over budget: nothing was done, and the same request is welcome again after `retryAfterMs`.
 * An HTTP API that declares it as an endpoint's error answers 429 (its `Retry-After` header is
 * `retryAfterSeconds`).
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  bucket: Bucket,
  retryAfterMs: Schema.Number
}, { httpApiStatus: 429 }) {
  /** Whole seconds, at least one: what a `Retry-After` header carries and what people read. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000))
  }

  override get message() {
    const seconds = this.retryAfterSeconds
    return `Slow down — try again in ${seconds} second${seconds === 1 ? "" : "s"}.`
  }
}

export interface RateLimitSettings {
  readonly budgets: Readonly<Record<Bucket, Budget>>
  /** Redis shared by every process of the deployment; none keeps the counts in this process. */
  readonly redisUrl: Option.Option<Redacted.Redacted<string>>
  /** How long a count in Redis may take before the request is let through uncounted. */
  readonly storeTimeout: Duration.Duration
}

export const section = Section.make({
  fields: {
    RATE_LIMIT_COMMANDS: BudgetText.pipe(withDefault("10 per 20 seconds")),
    RATE_LIMIT_API_KEY: BudgetText.pipe(withDefault("120 per minute")),
    RATE_LIMIT_API_USER: BudgetText.pipe(withDefault("60 per minute")),
    RATE_LIMIT_API_GUILD: BudgetText.pipe(withDefault("300 per minute")),
    REDIS_URL: Schema.optionalKey(Schema.RedactedFromValue(RedisUrl, { label: "REDIS_URL" })),
    REDIS_TIMEOUT: DurationText("10 seconds").pipe(withDefault("150 millis"))
  },
  secrets: ["REDIS_URL"],
  build: (e): RateLimitSettings => ({
    budgets: {
      "command": e.RATE_LIMIT_COMMANDS,
      "api-key": e.RATE_LIMIT_API_KEY,
      "api-user": e.RATE_LIMIT_API_USER,
      "api-guild": e.RATE_LIMIT_API_GUILD
    },
    redisUrl: Option.fromUndefinedOr(e.REDIS_URL),
    storeTimeout: e.REDIS_TIMEOUT
  })
})

const refused = Metric.counter("reprise_rate_limited_total", {
  description: "Requests refused for being over their budget, by bucket"
})

/** Exported for the tests that take Redis away. */
export const failedOpen = Metric.counter("reprise_rate_limit_fail_open_total", {
  description: "Requests let through uncounted because the rate-limit store could not count them, by bucket and why"
})

export type FailOpenReason = "unconnected" | "timeout" | "error"

/** Where the counts live: the limiter, or none while Redis has not connected yet. */
type Store = Effect.Effect<Option.Option<RateLimiter.RateLimiter>>

/**
 * A warning about the store, at most once a minute: an outage would otherwise log a line for
 * every request. Effect's limiter (in memory, whatever holds the counts) decides when.
 */
const makeWarn = Effect.gen(function*() {
  const limiter = yield* RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory))
  return (message: string, annotations: Readonly<Record<string, unknown>>) =>
    limiter.consume({ key: "store-warning", limit: 1, window: "1 minute" }).pipe(
      Effect.andThen(Effect.logWarning(message, annotations)),
      Effect.ignore
    )
})

type Warn = Effect.Success<typeof makeWarn>

const makeConsume = (settings: RateLimitSettings, store: Store, warn: Warn) => {
  const failOpen = (bucket: Bucket, why: FailOpenReason, cause?: unknown) =>
    Metric.update(Metric.withAttributes(failedOpen, { bucket, why }), 1).pipe(
      Effect.andThen(warn("rate limits are not enforced: their store could not count a request", {
        bucket,
        why,
        ...(cause === undefined ? {} : { cause: String(cause) })
      }))
    )

  return Effect.fn("RateLimits.consume")(function*(bucket: Bucket, key: string) {
    yield* Effect.annotateCurrentSpan({ "rate_limit.bucket": bucket })
    const limiter = yield* store
    if (Option.isNone(limiter)) return yield* failOpen(bucket, "unconnected")
    const budget = settings.budgets[bucket]
    yield* limiter.value.consume({
      algorithm: "fixed-window",
      onExceeded: "fail",
      key: `${bucket}:${key}`,
      limit: budget.limit,
      window: budget.window
    }).pipe(
      Effect.timeout(settings.storeTimeout),
      Effect.catchTag("RateLimiterError", ({ reason }) =>
        reason._tag === "RateLimitExceeded"
          ? Metric.update(Metric.withAttributes(refused, { bucket }), 1).pipe(
            Effect.andThen(Effect.fail(new RateLimited({ bucket, retryAfterMs: Duration.toMillis(reason.retryAfter) })))
          )
          : failOpen(bucket, "error", reason.cause ?? reason.message)),
      Effect.catchTag("TimeoutError", () => failOpen(bucket, "timeout"))
    )
  })
}

/** Longest wait between two attempts to reach Redis. */
const maxReconnectDelayMs = 5_000
/** How long the start waits for the first connection to Redis. */
const startupGrace = Duration.seconds(1)

/**
 * Effect's Redis store over a node-redis client that never gives up: it reconnects with capped
 * backoff for as long as the program runs (NodeRedis' own default stops after a timeout, and
 * fails the first connection outright, which would stop the bot from starting), and refuses
 * commands while disconnected instead of queueing them, so that nothing waits for it.
 */
const connectRedis = (url: Redacted.Redacted<string>, warn: Warn) =>
  Effect.gen(function*() {
    const limiter = yield* Ref.make(Option.none<RateLimiter.RateLimiter>())
    const host = new URL(Redacted.value(url)).host
    const redis = NodeRedis.layer({
      url: Redacted.value(url),
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2_000,
        reconnectStrategy: (retries) =>
          Math.min(2 ** retries * 100, maxReconnectDelayMs) + Math.floor(Math.random() * 100)
      }
    }).pipe(
      // NodeRedis logs every connection error; an outage is reported by `warn`, once a minute.
      Layer.provide(Layer.succeed(References.MinimumLogLevel, "Error"))
    )
    const layer = RateLimiter.layer.pipe(
      Layer.provide(RateLimiter.layerStoreRedis({ prefix: "reprise:ratelimit:" })),
      Layer.provideMerge(redis)
    )
    const context = yield* Effect.context<never>()
    const runFork = Effect.runForkWith(context)
    const connecting = yield* Layer.build(layer).pipe(
      Effect.flatMap((built) =>
        Effect.gen(function*() {
          const { client } = Context.get(built, NodeRedis.NodeRedis)
          client.on("error", (cause: unknown) =>
            runFork(warn("lost the connection to Redis: rate limits are not enforced", { host, cause: String(cause) })))
          client.on("ready", () => runFork(Effect.logInfo("connected to Redis again: rate limits are enforced", { host })))
          // NodeRedis closes its client gracefully, waiting for every command in flight: a Redis
          // that stalls would stall the shutdown. Nothing in flight here is worth waiting for.
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              if (client.isOpen) client.destroy()
            })
          )
          yield* Ref.set(limiter, Option.some(Context.get(built, RateLimiter.RateLimiter)))
          yield* Effect.logInfo("rate limits are kept in Redis", { host })
        })
      ),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.void
          : warn("could not connect to Redis: rate limits are not enforced", { host, cause: Cause.pretty(cause) })
      ),
      Effect.forkScoped
    )
    // The first requests are counted too when Redis answers at once; a Redis that does not
    // delays the start by this much at most.
    yield* Fiber.await(connecting).pipe(Effect.timeoutOption(startupGrace))
    // Until the first connection nothing reports its failures: say so once it takes long.
    yield* Ref.get(limiter).pipe(
      Effect.flatMap((current) =>
        Option.isNone(current)
          ? warn("Redis does not answer yet: rate limits are not enforced until it does", { host })
          : Effect.void
      ),
      Effect.delay("5 seconds"),
      Effect.forkScoped
    )
    return Ref.get(limiter)
  })

const make = (settings: RateLimitSettings) =>
  Effect.gen(function*() {
    const warn = yield* makeWarn
    const store: Store = yield* Option.match(settings.redisUrl, {
      onNone: () =>
        RateLimiter.make.pipe(
          Effect.provide(RateLimiter.layerStoreMemory),
          Effect.map((limiter) => Effect.succeed(Option.some(limiter)))
        ),
      onSome: (url) => connectRedis(url, warn)
    })
    return RateLimits.of({ consume: makeConsume(settings, store, warn) })
  })

/** Counts requests against their bucket's budget; `consume` fails with `RateLimited` when over it. */
export class RateLimits extends Context.Service<RateLimits, {
  /** One request by `key` (a user id, an API key's id, a guild id) in `bucket`. */
  readonly consume: (bucket: Bucket, key: string) => Effect.Effect<void, RateLimited>
}>()("reprise/resilience/RateLimits") {
  /** In Redis when `redisUrl` is set, else in this process's memory. */
  static readonly layer = (settings: RateLimitSettings): Layer.Layer<RateLimits> =>
    Layer.effect(RateLimits, make(settings))

  static readonly layerConfig: Layer.Layer<RateLimits, never, Section.ConfigSections> = Layer.unwrap(
    Section.settingsOf(section).pipe(Effect.map(RateLimits.layer))
  )
}
