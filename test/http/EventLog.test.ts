import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, PubSub, type Scope } from "effect"
import { TestClock } from "effect/testing"
import { GuildId } from "../../schema/Ids.ts"
import { Paused, type PlayerEvent } from "../../schema/PlayerEvent.ts"
import { EventLog, isPulse, type Pulse, type Sequenced } from "../../src/http/EventLog.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"

/**
 * The log's pulse is what the event stream sends as its heartbeat: one timer for every follower,
 * delivered in order with the events, so a follower needs no timer of its own.
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

/** A sink that keeps what it is given. */
const keeper = () => {
  const got: Array<Sequenced | Pulse> = []
  return { got, sink: (e: Sequenced | Pulse) => void got.push(e) }
}

describe("EventLog", () => {
  it.effect("sends every follower of every guild a pulse each interval, in order with the events", () =>
    withLog((log, publish) =>
      Effect.gen(function*() {
        const [a, b, c] = [keeper(), keeper(), keeper()]
        yield* log.attach(one, undefined, a.sink)
        yield* log.attach(one, undefined, b.sink)
        yield* log.attach(two, undefined, c.sink)
        yield* publish(new Paused({ guildId: one, positionMs: 1 }))
        yield* TestClock.adjust("9 seconds")
        yield* publish(new Paused({ guildId: two, positionMs: 2 }))
        yield* TestClock.adjust("1 second")
        yield* publish(new Paused({ guildId: one, positionMs: 3 }))
        yield* TestClock.adjust("1 milli")
        const expected = ["Paused 111111111111111111 1", "pulse", "Paused 111111111111111111 3"]
        assert.deepStrictEqual(shape(a.got), expected)
        assert.deepStrictEqual(shape(b.got), expected)
        assert.deepStrictEqual(shape(c.got), ["Paused 222222222222222222 2", "pulse"])
      })
    ))

  it.effect("sends no pulse before the interval, and nothing after detach", () =>
    withLog((log, publish) =>
      Effect.gen(function*() {
        const a = keeper()
        const attached = yield* log.attach(one, undefined, a.sink)
        yield* TestClock.adjust("9999 millis")
        assert.deepStrictEqual(a.got, [], "nothing before 10 s")
        yield* TestClock.adjust("1 milli")
        assert.deepStrictEqual(shape(a.got), ["pulse"])
        attached.detach()
        yield* publish(new Paused({ guildId: one, positionMs: 4 }))
        yield* TestClock.adjust("10 seconds")
        assert.deepStrictEqual(shape(a.got), ["pulse"])
      })
    ))

  it.effect("replays what a returning follower missed, then goes on live, each event once", () =>
    withLog((log, publish) =>
      Effect.gen(function*() {
        const first = keeper()
        const seen = yield* log.attach(one, undefined, first.sink)
        assert.isNull(seen.missed, "no id: a fresh start")
        yield* publish(new Paused({ guildId: one, positionMs: 1 }))
        yield* publish(new Paused({ guildId: one, positionMs: 2 }))
        yield* TestClock.adjust("1 milli")
        const lastSeen = first.got[0]
        assert.isDefined(lastSeen)
        if (lastSeen === undefined || isPulse(lastSeen)) return
        seen.detach()

        const back = keeper()
        const again = yield* log.attach(one, lastSeen.id, back.sink)
        assert.deepStrictEqual(shape(again.missed ?? []), ["Paused 111111111111111111 2"])
        yield* publish(new Paused({ guildId: one, positionMs: 3 }))
        yield* TestClock.adjust("1 milli")
        assert.deepStrictEqual(shape(back.got), ["Paused 111111111111111111 3"])
        assert.isNull((yield* log.attach(one, "someoneelse-1", keeper().sink)).missed, "an id from before a restart")
      })
    ))
})
