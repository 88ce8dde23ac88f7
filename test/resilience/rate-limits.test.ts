import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Exit, Layer, Logger, Metric, Option, Redacted, Result, Scope } from "effect"
import { Redis } from "effect/persistence"
import { TestClock } from "effect/testing"
import type { Budget } from "../../src/config/Fields.ts"
import {
  type Bucket,
  type FailOpenReason,
  failedOpen,
  RateLimited,
  RateLimits,
  type RateLimitSettings,
  section
} from "../../src/resilience/RateLimits.ts"
import { describeRedis, tcpProxy } from "../support/redis.ts"

const settings = (options: {
  readonly command?: Budget | undefined
  readonly redisUrl?: string | undefined
  readonly storeTimeout?: Duration.Duration | undefined
} = {}): RateLimitSettings => ({
  budgets: {
    "command": options.command ?? { limit: 2, window: Duration.minutes(1) },
    "api-key": { limit: 5, window: Duration.seconds(10) },
    "api-user": { limit: 1, window: Duration.seconds(10) },
    "api-guild": { limit: 1, window: Duration.seconds(10) }
  },
  redisUrl: Option.map(Option.fromUndefinedOr(options.redisUrl), Redacted.make),
  storeTimeout: options.storeTimeout ?? Duration.millis(250)
})

/** The limiter of one process: its own layer (and Redis client), closed with the test's scope. */
const limiterOf = (s: RateLimitSettings) =>
  Layer.build(RateLimits.layer(s)).pipe(Effect.map((context) => Context.get(context, RateLimits)))

const failedOpenCount = (why: FailOpenReason, bucket: Bucket = "command") =>
  Metric.value(Metric.withAttributes(failedOpen, { bucket, why })).pipe(Effect.map((state) => state.count))

/** A key no other test or run has counted. */
const fresh = (name: string) => `${name}-${process.pid}-${Math.floor(Math.random() * 1e9)}`

const elapsedSince = (start: number) => Clock.currentTimeMillis.pipe(Effect.map((now) => now - start))

describe("rate limits in memory", () => {
  it.effect("allows the budget in a window, then refuses with the time left until it has passed", () =>
    Effect.gen(function*() {
      const limits = yield* RateLimits
      yield* limits.consume("command", "alice")
      yield* limits.consume("command", "alice")
      const refused = yield* Effect.flip(limits.consume("command", "alice"))
      assert.instanceOf(refused, RateLimited)
      assert.strictEqual(refused.bucket, "command")
      assert.strictEqual(refused.retryAfterMs, 60_000)

      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* Effect.flip(limits.consume("command", "alice"))).retryAfterMs, 30_000)
      // Everyone has a budget of their own, in each bucket.
      yield* limits.consume("command", "bob")
      yield* limits.consume("api-user", "alice")

      yield* TestClock.adjust("30 seconds")
      yield* limits.consume("command", "alice")
      yield* limits.consume("command", "alice")
      assert.strictEqual((yield* Effect.flip(limits.consume("command", "alice"))).retryAfterMs, 60_000)
    }).pipe(Effect.provide(RateLimits.layer(settings()))))

  it.effect("counts each bucket against its own budget", () =>
    Effect.gen(function*() {
      const limits = yield* RateLimits
      for (let i = 0; i < 5; i++) yield* limits.consume("api-key", "key-1")
      const refused = yield* Effect.flip(limits.consume("api-key", "key-1"))
      assert.strictEqual(refused.bucket, "api-key")
      assert.strictEqual(refused.retryAfterMs, 10_000)
      yield* limits.consume("api-guild", "guild-1")
      assert.strictEqual((yield* Effect.flip(limits.consume("api-guild", "guild-1"))).bucket, "api-guild")
    }).pipe(Effect.provide(RateLimits.layer(settings()))))

  it("tells people when to try again, in whole seconds", () => {
    assert.strictEqual(new RateLimited({ bucket: "command", retryAfterMs: 1_200 }).message, "Slow down — try again in 2 seconds.")
    assert.strictEqual(new RateLimited({ bucket: "command", retryAfterMs: 1_000 }).message, "Slow down — try again in 1 second.")
    assert.strictEqual(new RateLimited({ bucket: "api-key", retryAfterMs: 3 }).retryAfterSeconds, 1)
  })
})

describe("rate-limit configuration", () => {
  const decode = (env: Record<string, string>) => section.decode(env, { interactive: false })

  it("has budgets by default and keeps the counts in memory", () => {
    const decoded = decode({})
    assert.isTrue(Result.isSuccess(decoded))
    if (!Result.isSuccess(decoded)) return
    assert.strictEqual(decoded.success.budgets.command.limit, 10)
    assert.strictEqual(Duration.toMillis(decoded.success.budgets.command.window), 20_000)
    assert.strictEqual(decoded.success.budgets["api-key"].limit, 120)
    assert.strictEqual(Duration.toMillis(decoded.success.budgets["api-key"].window), 60_000)
    assert.isTrue(Option.isNone(decoded.success.redisUrl))
    assert.strictEqual(Duration.toMillis(decoded.success.storeTimeout), 150)
  })

  it("reads budgets as a count per duration, and a Redis URL as a secret", () => {
    const decoded = decode({
      RATE_LIMIT_COMMANDS: "2 per minute",
      RATE_LIMIT_API_GUILD: "1000 per 1.5 hours",
      REDIS_URL: "redis://:pw@127.0.0.1:6379/2"
    })
    assert.isTrue(Result.isSuccess(decoded))
    if (!Result.isSuccess(decoded)) return
    assert.deepStrictEqual([decoded.success.budgets.command.limit, Duration.toMillis(decoded.success.budgets.command.window)], [2, 60_000])
    assert.strictEqual(Duration.toMillis(decoded.success.budgets["api-guild"].window), 5_400_000)
    assert.strictEqual(Option.map(decoded.success.redisUrl, Redacted.value).pipe(Option.getOrUndefined), "redis://:pw@127.0.0.1:6379/2")
  })

  it("names each bad value, and never echoes the Redis URL", () => {
    const decoded = decode({ RATE_LIMIT_COMMANDS: "ten per minute", RATE_LIMIT_API_KEY: "0 per minute", REDIS_URL: "http://:pw@host" })
    assert.isTrue(Result.isFailure(decoded))
    if (!Result.isFailure(decoded)) return
    assert.deepStrictEqual(decoded.failure, [
      "RATE_LIMIT_COMMANDS must be a budget such as \"10 per 20 seconds\" or \"120 per minute\" (a count from 1 to 1000000, a window of a day at most)",
      "RATE_LIMIT_API_KEY must be a budget such as \"10 per 20 seconds\" or \"120 per minute\" (a count from 1 to 1000000, a window of a day at most)",
      "REDIS_URL must be a redis:// or rediss:// URL"
    ])
  })
})

describe("rate limits while Redis cannot be reached", () => {
  const warnings: Array<string> = []
  const collect = Logger.make((options) => {
    if (options.logLevel === "Warn") warnings.push(JSON.stringify(options.message))
  })

  it.live("let every request through at once, count them, and warn once", () =>
    Effect.gen(function*() {
      const before = yield* failedOpenCount("unconnected")
      const scope = yield* Scope.make()
      const building = yield* Clock.currentTimeMillis
      const limits = yield* Layer.buildWithScope(RateLimits.layer(settings({ redisUrl: "redis://127.0.0.1:1" })), scope).pipe(
        Effect.map((context) => Context.get(context, RateLimits))
      )
      // The start waits a moment for the first connection, never longer.
      assert.isBelow(yield* elapsedSince(building), 2_000)

      const asking = yield* Clock.currentTimeMillis
      for (let i = 0; i < 5; i++) yield* limits.consume("command", "alice") // over the budget of 2: still let through
      assert.isBelow(yield* elapsedSince(asking), 100)
      assert.strictEqual((yield* failedOpenCount("unconnected")) - before, 5)
      // One line for the outage, not one a request nor one a reconnection attempt.
      assert.strictEqual(warnings.length, 1, warnings.join("\n"))
      assert.include(warnings[0], "not enforced")

      const closing = yield* Clock.currentTimeMillis
      yield* Scope.close(scope, Exit.void)
      assert.isBelow(yield* elapsedSince(closing), 1_000)
    }).pipe(Effect.provide(Logger.layer([collect]))))
})

describeRedis("rate limits in Redis", "rate-limit", (url) => {
  it.live("reaches the Redis service", () =>
    Effect.gen(function*() {
      const redis = Context.get(yield* Layer.build(NodeRedis.layer({ url })), Redis.Redis)
      assert.strictEqual(yield* redis.send("PING"), "PONG", `no Redis answers at ${url}`)
    }))

  it.live("two processes' limiters draw on one budget", () =>
    Effect.gen(function*() {
      const budget = { limit: 3, window: Duration.seconds(10) }
      const one = yield* limiterOf(settings({ command: budget, redisUrl: url }))
      const two = yield* limiterOf(settings({ command: budget, redisUrl: url }))
      const before = yield* failedOpenCount("unconnected")
      const user = fresh("shared")
      yield* one.consume("command", user)
      yield* two.consume("command", user)
      yield* one.consume("command", user)
      const refused = yield* Effect.flip(two.consume("command", user))
      assert.isAbove(refused.retryAfterMs, 0)
      // The window's 10 s, give or take the millisecond Redis and the clock round to.
      assert.isAtMost(refused.retryAfterMs, 10_001)
      assert.strictEqual((yield* Effect.flip(one.consume("command", user)))._tag, "RateLimited")
      yield* two.consume("command", fresh("other"))
      assert.strictEqual(yield* failedOpenCount("unconnected"), before, "both were connected")
    }))

  it.live("a window passes and the budget is whole again", () =>
    Effect.gen(function*() {
      const limits = yield* limiterOf(settings({ command: { limit: 2, window: Duration.millis(600) }, redisUrl: url }))
      const user = fresh("window")
      yield* limits.consume("command", user)
      yield* limits.consume("command", user)
      const refused = yield* Effect.flip(limits.consume("command", user))
      assert.isAbove(refused.retryAfterMs, 0)
      assert.isAtMost(refused.retryAfterMs, 600)
      yield* Effect.sleep(Duration.millis(refused.retryAfterMs + 50))
      yield* limits.consume("command", user)
      yield* limits.consume("command", user)
      assert.strictEqual((yield* Effect.flip(limits.consume("command", user)))._tag, "RateLimited")
    }))

  it.live("a Redis that stalls or goes away lets requests through at once, counted, and is used again when back", () =>
    Effect.gen(function*() {
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => tcpProxy(new URL(url))), (p) => Effect.promise(p.close))
      const scope = yield* Scope.make()
      const limits = yield* limiterOf(
        settings({ command: { limit: 2, window: Duration.minutes(1) }, redisUrl: proxy.url, storeTimeout: Duration.millis(100) })
      ).pipe(Scope.provide(scope))
      const user = fresh("outage")
      const overBudget = limits.consume("command", user).pipe(Effect.flip, Effect.map((e) => e._tag))
      yield* limits.consume("command", user)
      yield* limits.consume("command", user)
      assert.strictEqual(yield* overBudget, "RateLimited")

      // Stalled: over the budget, yet let through once the time box has passed.
      proxy.stall()
      const timedOut = yield* failedOpenCount("timeout")
      const stalledAt = yield* Clock.currentTimeMillis
      yield* limits.consume("command", user)
      const waited = yield* elapsedSince(stalledAt)
      assert.isAtLeast(waited, 90)
      assert.isBelow(waited, 400)
      assert.strictEqual((yield* failedOpenCount("timeout")) - timedOut, 1)
      proxy.resume()
      assert.strictEqual(yield* overBudget, "RateLimited")

      // Gone: refused at once by the client, let through at once.
      yield* Effect.promise(proxy.cut)
      yield* Effect.sleep("100 millis")
      const errors = yield* failedOpenCount("error")
      const cutAt = yield* Clock.currentTimeMillis
      yield* limits.consume("command", user)
      assert.isBelow(yield* elapsedSince(cutAt), 90)
      assert.strictEqual((yield* failedOpenCount("error")) - errors, 1)

      // Back: the client reconnects by itself and the counts (kept in Redis) apply again.
      yield* Effect.promise(proxy.listen)
      let tag = "Allowed"
      for (let i = 0; i < 40 && tag !== "RateLimited"; i++) {
        yield* Effect.sleep("100 millis")
        tag = yield* limits.consume("command", user).pipe(Effect.as("Allowed"), Effect.catch((e) => Effect.succeed(e._tag)))
      }
      assert.strictEqual(tag, "RateLimited", "enforced again once Redis is back")

      // Stopping while Redis stalls, with a count still in flight, does not wait for it.
      proxy.stall()
      yield* limits.consume("command", user)
      const closing = yield* Clock.currentTimeMillis
      yield* Scope.close(scope, Exit.void)
      assert.isBelow(yield* elapsedSince(closing), 1_000)
    }))
})
