import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Fiber, PubSub } from "effect"
import { TestClock } from "effect/testing"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import { UserId } from "../../schema/Ids.ts"
import { makeGuildPlayer } from "../../src/player/GuildPlayer.ts"
import { resolvePlayerOptions } from "../../src/player/PlayerOptions.ts"
import { makeFakeAudio } from "./support/FakeAudio.ts"
import { guildA, track, user } from "./support/tracks.ts"

const other = UserId.make("200000000000000002")

/** Lets forked fibers reach their next sleep (a moment of real time), then moves the test clock. */
const advance = (duration: Duration.Input) =>
  TestClock.withLive(Effect.sleep("25 millis")).pipe(Effect.andThen(TestClock.adjust(duration)))

/** A moment of real time for the loop to run, without moving the test clock. */
const settle = TestClock.withLive(Effect.sleep("25 millis"))

const long = (name: string) => track(name, { location: `/m/${name}-600000.flac`, durationMs: 600_000 })

describe("GuildPlayer supervision and serialized decisions", () => {
  it.effect("a defect outside any command answers every waiting caller at once, then restarts from the last good state", () => {
    const fake = makeFakeAudio()
    // Called once as the player starts and once after each command or report: after Enqueue, the
    // first packet's TrackAudible, then SetLoop (the fourth call).
    let calls = 0
    return Effect.gen(function*() {
      const player = yield* makeGuildPlayer(guildA, {
        options: resolvePlayerOptions({ restartBaseDelay: "2 seconds" }),
        events: yield* PubSub.unbounded<PlayerEvent>(),
        teardown: Effect.succeed({ reason: "shutdown", by: null }),
        // The loop calls this between commands: outside every step, where nothing used to watch.
        onIdle: () =>
          ++calls === 4 ? Effect.sleep("1 second").pipe(Effect.andThen(Effect.die(new Error("boom")))) : Effect.void
      })
      yield* player.send(new Cmd.Enqueue({ tracks: [long("a"), long("b")], position: "end", requester: user }))
      yield* advance("200 millis")
      const first = yield* player.send(new Cmd.SetLoop({ mode: "queue", requester: user }))
      assert.strictEqual(first.mode, "queue")
      // Both wait in the mailbox while the loop is stuck between commands.
      const waiting = yield* Effect.forEach(
        [new Cmd.Shuffle({ requester: user }), new Cmd.SetVolume({ volume: 50, requester: other })],
        (command) => Effect.forkChild(player.send(command))
      )
      yield* settle
      assert.isTrue(waiting.every((f) => f.pollUnsafe() === undefined))
      yield* advance("1 second")
      // Answered when the defect hit, without waiting for the 2 s restart.
      yield* settle
      for (const fiber of waiting) {
        const exit = fiber.pollUnsafe()
        assert.isDefined(exit)
        assert.isTrue(exit !== undefined && Exit.isFailure(exit))
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        assert.strictEqual(error.reason._tag, "PlayerUnavailable")
      }
      // After the backoff the player takes commands again, with its last good state.
      yield* advance("2 seconds")
      const state = yield* player.state
      assert.strictEqual(state.queue.loop, "queue")
      assert.strictEqual(state.queue.current?.track.title, "a")
      assert.deepStrictEqual(state.queue.upcoming.map((e) => e.track.title), ["b"])
      assert.strictEqual(state.volume, 100)
      const reply = yield* player.send(new Cmd.Skip({ count: 1, requester: user }))
      assert.strictEqual(reply.now?.track.title, "b")
      // The track kept playing through the crash: one pipeline for "a", never reopened.
      assert.strictEqual(fake.log.opened.filter((o) => o.source.includes("/a-")).length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("two toggles sent at once are both applied: decided by the player, not read by the senders", () => {
    const fake = makeFakeAudio()
    return Effect.gen(function*() {
      const player = yield* makeGuildPlayer(guildA, {
        options: resolvePlayerOptions(),
        events: yield* PubSub.unbounded<PlayerEvent>(),
        teardown: Effect.succeed({ reason: "shutdown", by: null }),
        onIdle: () => Effect.void
      })
      yield* player.send(new Cmd.Enqueue({ tracks: [long("a")], position: "end", requester: user }))
      yield* advance("100 millis")
      const effects = yield* Effect.all([
        player.send(new Cmd.ToggleEffect({ effect: "nightcore", requester: user })),
        player.send(new Cmd.ToggleEffect({ effect: "8d", requester: other }))
      ], { concurrency: "unbounded" })
      assert.sameMembers([...(yield* player.state).effects], ["nightcore", "8d"])
      assert.sameMembers(effects.map((r) => r.effects.length), [1, 2])
      const toggles = yield* Effect.all([
        player.send(new Cmd.TogglePause({ requester: user })),
        player.send(new Cmd.TogglePause({ requester: other }))
      ], { concurrency: "unbounded" })
      assert.sameMembers(toggles.map((r) => r.paused), [true, false])
      assert.isFalse((yield* player.state).paused)
    }).pipe(Effect.provide(fake.layer))
  })
})
