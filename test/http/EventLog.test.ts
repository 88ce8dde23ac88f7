import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, PubSub, type Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import { GuildId } from "../../schema/Ids.ts"
import { Paused, type PlayerEvent } from "../../schema/PlayerEvent.ts"
import { EventLog, isPulse, type Pulse, type Sequenced } from "../../src/http/EventLog.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"

/**
 * The log's pulse is what the event stream sends as its heartbeat: one timer for every follower,
 * delivered in order with the events, so a stream needs no timer (and no merge) of its own.
 */

const one = GuildId.make("111111111111111111")
const two = GuildId.make("222222222222222222")

/** The log over a registry whose events the test publishes. */
const withLog = <A, E>(
  use: (log: EventLog["Service"], publish: (e: PlayerEvent) => Effect.Effect<boolean>) => Effect.Effect<A, E, Scope.Scope>
) =>
  Effect.gen(function*() {
    const events = yield* PubSub.unbounded<PlayerEvent>()
    const registry = Layer.mock(PlayerRegistry, { subscribe: PubSub.subscribe(events) })
    const used = Effect.gen(function*() {
      return yield* use(yield* EventLog, (e) => PubSub.publish(events, e))
    })
    return yield* used.pipe(
      Effect.provide(EventLog.layer({ pulse: "10 seconds" }).pipe(Layer.provide(registry))),
      Effect.scoped
    )
  })

const shape = (items: ReadonlyArray<Sequenced | Pulse>) =>
  items.map((e) =>
    isPulse(e) ? "pulse" : e.event._tag === "Paused" ? `Paused ${e.event.guildId} ${e.event.positionMs}` : e.event._tag
  )

describe("EventLog", () => {
  it.effect("sends every follower of every guild a pulse each interval, in order with the events", () =>
    withLog((log, publish) =>
      Effect.gen(function*() {
        const first = yield* log.follow(one, undefined)
        const second = yield* log.follow(one, undefined)
        const other = yield* log.follow(two, undefined)
        const collect = (live: Stream.Stream<Sequenced | Pulse>, n: number) =>
          Effect.forkChild(Stream.runCollect(Stream.take(live, n)))
        const a = yield* collect(first.live, 3)
        const b = yield* collect(second.live, 3)
        const c = yield* collect(other.live, 2)
        yield* Effect.yieldNow
        yield* publish(new Paused({ guildId: one, positionMs: 1 }))
        yield* TestClock.adjust("9 seconds")
        yield* publish(new Paused({ guildId: two, positionMs: 2 }))
        yield* TestClock.adjust("1 second")
        yield* publish(new Paused({ guildId: one, positionMs: 3 }))
        const expected = ["Paused 111111111111111111 1", "pulse", "Paused 111111111111111111 3"]
        assert.deepStrictEqual(shape(yield* Fiber.join(a)), expected)
        assert.deepStrictEqual(shape(yield* Fiber.join(b)), expected)
        assert.deepStrictEqual(shape(yield* Fiber.join(c)), ["Paused 222222222222222222 2", "pulse"])
      })
    ))

  it.effect("sends no pulse before the interval", () =>
    withLog((log) =>
      Effect.gen(function*() {
        const following = yield* log.follow(one, undefined)
        const heard = yield* Effect.forkChild(Stream.runCollect(Stream.take(following.live, 1)))
        yield* TestClock.adjust("9999 millis")
        assert.isUndefined(heard.pollUnsafe(), "nothing before 10 s")
        yield* TestClock.adjust("1 milli")
        assert.deepStrictEqual(shape(yield* Fiber.join(heard)), ["pulse"])
      })
    ))
})
