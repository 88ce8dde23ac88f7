import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, PubSub, Stream } from "effect"
import { TestClock } from "effect/testing"
import { ChannelId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { PlayerEvent } from "../../schema/PlayerEvent.ts"
import type { Track } from "../../schema/Track.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import type { PlayerOptions } from "../../src/player/PlayerOptions.ts"
import { makeFakeAudio } from "./support/FakeAudio.ts"
import { awaitEvent, isTag } from "./support/listen.ts"
import { guildA, guildB, track, user } from "./support/tracks.ts"

/**
 * Lets forked playback fibers reach their first sleep (a moment of real time), then moves the
 * test clock: time must not jump past a sleep that is about to be registered.
 */
const advance = (duration: Duration.Input) =>
  TestClock.withLive(Effect.sleep("25 millis")).pipe(Effect.andThen(TestClock.adjust(duration)))

/** A registry over fake audio; `log` shows what was opened, sent and closed. */
const setup = (options: PlayerOptions = {}) => {
  const fake = makeFakeAudio()
  return { log: fake.log, layer: PlayerRegistry.layer(options).pipe(Layer.provide(fake.layer)) }
}

const t = (name: string, ms: number) => track(name, { location: `/m/${name}-${ms}.flac`, durationMs: ms })
const enqueue = (first: Track, ...rest: ReadonlyArray<Track>) =>
  new Cmd.Enqueue({ tracks: [first, ...rest], position: "end", requester: user })

/** Names of the tracks whose packets went out, collapsed into runs. */
const played = (log: ReturnType<typeof setup>["log"]) =>
  log.sent.reduce<Array<string>>((acc, s) => {
    const name = /\/m\/(\w+)-/.exec(s.source)?.[1] ?? "?"
    return acc[acc.length - 1] === name ? acc : [...acc, name]
  }, [])

const drain = (sub: PubSub.Subscription<PlayerEvent>) =>
  PubSub.takeAll(sub).pipe(Effect.map((es) => es.map((e) => e._tag)))

describe("GuildPlayer (fake audio, test clock)", () => {
  it.effect("plays the queue in order and goes idle", () => {
    const { log, layer } = setup()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const sub = yield* registry.subscribe
      const reply = yield* registry.send(guildA, enqueue(t("a", 200), t("b", 100), t("c", 100)))
      assert.strictEqual(reply.position, 0)
      assert.deepStrictEqual(reply.added.map((e) => e.entryId), [1, 2, 3])
      yield* advance("1 second")
      assert.deepStrictEqual(played(log), ["a", "b", "c"])
      assert.strictEqual(log.sent.length, 20)
      const state = yield* registry.state(guildA)
      assert.strictEqual(state.queue.current, null)
      assert.deepStrictEqual(state.queue.history.map((e) => e.track.title), ["a", "b", "c"])
      const events = yield* drain(sub)
      assert.deepStrictEqual(events.filter((e) => e === "TrackStarted" || e === "TrackEnded" || e === "Idle"), [
        "TrackStarted", "TrackEnded", "TrackStarted", "TrackEnded", "TrackStarted", "TrackEnded", "Idle"
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a track another site plays in place of its own is heard as such: its TrackAudible says from where", () => {
    const fake = makeFakeAudio()
    // The fallback's answer for a track whose own site refuses: another site's stream, marked.
    const elsewhere = Layer.mock(Resolver, {
      playable: (track) =>
        Effect.succeed({
          input: track.location,
          httpHeaders: {},
          codec: "unknown" as const,
          expiresAt: null,
          isLive: false,
          ...(track.title === "gone" ? { substitution: { from: "YouTube", to: "SoundCloud" } } : {})
        }),
      duration: () => Effect.succeed(null)
    })
    const layer = PlayerRegistry.layer().pipe(Layer.provide(Layer.merge(fake.layer, elsewhere)))
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const sub = yield* registry.subscribe
      yield* registry.send(guildA, enqueue(t("gone", 100), t("here", 100)))
      yield* advance("1 second")
      const heard = (yield* PubSub.takeAll(sub)).filter(isTag("TrackAudible"))
      assert.deepStrictEqual(heard.map((e) => [e.entry.track.title, e.substitution]), [
        ["gone", { from: "YouTube", to: "SoundCloud" }],
        ["here", undefined]
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("answers with typed errors", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const nothing = yield* registry.send(guildA, new Cmd.Pause({ requester: user })).pipe(Effect.flip)
      assert.strictEqual(nothing.message, "nothing is playing")
      yield* registry.send(guildA, enqueue(t("a", 1000), t("b", 100), t("c", 100), t("d", 100), t("e", 100)))
      const range = yield* registry.send(guildA, new Cmd.SkipTo({ position: 9, requester: user })).pipe(Effect.flip)
      assert.strictEqual(range.message, "position 9 does not exist, the queue has 4 tracks")
      const seek = yield* registry.send(guildA, new Cmd.Seek({ positionMs: 5000, requester: user })).pipe(Effect.flip)
      assert.strictEqual(seek.message, "cannot seek to 0:05, the track is 0:01 long")
    }).pipe(Effect.provide(layer))
  })

  it.effect("serializes concurrent commands from many fibers", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const replies = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        (i) => registry.send(guildA, enqueue(t(`n${i}`, 60_000))),
        { concurrency: "unbounded" }
      )
      const positions = replies.map((r) => r.position).sort((a, b) => a - b)
      assert.deepStrictEqual(positions, Array.from({ length: 50 }, (_, i) => i))
      const state = yield* registry.state(guildA)
      assert.strictEqual(state.queue.upcoming.length, 49)
      const ids = [state.queue.current?.entryId, ...state.queue.upcoming.map((e) => e.entryId)]
      assert.strictEqual(new Set(ids).size, 50)
    }).pipe(Effect.provide(layer))
  })

  it.effect("pause sends nothing and resume continues from the same slot", () => {
    const { log, layer } = setup()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, enqueue(t("a", 2000)))
      yield* advance("500 millis")
      const paused = yield* registry.send(guildA, new Cmd.Pause({ requester: user }))
      const sentAtPause = log.sent.length
      assert.closeTo(paused.positionMs, 500, 20)
      yield* advance("3 seconds")
      assert.strictEqual(log.sent.length, sentAtPause)
      const resumed = yield* registry.send(guildA, new Cmd.Resume({ requester: user }))
      assert.strictEqual(resumed.positionMs, paused.positionMs)
      yield* advance("100 millis")
      const slots = log.sent.map((s) => s.slot)
      // the position counts packets the voice has pulled: at most its read-ahead (one here) goes unheard
      const jump = slots[sentAtPause]! - slots[sentAtPause - 1]!
      assert.isTrue(jump >= 1 && jump <= 2, `resumed ${jump} slots later`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("seek and volume restart the pipeline at the position, stale ends are ignored", () => {
    const { log, layer } = setup()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, enqueue(t("a", 2000), t("b", 100)))
      yield* advance("300 millis")
      yield* registry.send(guildA, new Cmd.Seek({ positionMs: 1500, requester: user }))
      yield* advance("0 millis")
      // (b, 2 s from the end, is opened ahead in between: only a's runs are looked at)
      const runsOfA = () => log.opened.filter((o) => o.source.includes("/a-"))
      assert.strictEqual(runsOfA()[1]?.startMs, 1500)
      yield* advance("100 millis")
      yield* registry.send(guildA, new Cmd.SetVolume({ volume: 50, requester: user }))
      yield* advance("0 millis")
      assert.closeTo(runsOfA()[2]?.startMs ?? 0, 1600, 40)
      assert.strictEqual(runsOfA()[2]?.volume, 50)
      yield* advance("2 seconds")
      assert.deepStrictEqual(played(log), ["a", "b"])
      // every replaced pipeline was closed, none reported an end of its own
      assert.strictEqual(log.closed.filter((s) => s.includes("/a-")).length, 3)
      const state = yield* registry.state(guildA)
      assert.deepStrictEqual(state.queue.history.map((e) => e.track.title), ["a", "b"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failing track is reported and the next one plays", () => {
    const { log, layer } = setup()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const sub = yield* registry.subscribe
      yield* registry.send(guildA, enqueue(t("corrupt", 200), t("b", 100)))
      const failed = yield* awaitEvent(sub, isTag("TrackFailed"))
      assert.strictEqual(failed.reason, "the file could not be decoded")
      yield* awaitEvent(sub, isTag("TrackStarted"))
      yield* advance("500 millis")
      assert.deepStrictEqual(played(log), ["b"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("tears an idle player down after its window: pipeline closed, voice left", () => {
    const { log, layer } = setup({ idleWindow: "5 minutes" })
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, enqueue(t("long", 600_000)))
      yield* registry.send(guildB, enqueue(t("short", 100)))
      yield* advance("4 minutes")
      assert.deepStrictEqual([...(yield* registry.active)].sort(), [guildA, guildB])
      yield* advance("2 minutes")
      // B finished 5 minutes ago; A is still playing
      assert.deepStrictEqual(yield* registry.active, [guildA])
      assert.deepStrictEqual(log.disconnected, [guildB])
      yield* registry.send(guildA, new Cmd.Pause({ requester: user }))
      yield* advance("4 minutes")
      // a command while idle restarts the window
      yield* registry.send(guildA, new Cmd.SetLoop({ mode: "queue", requester: user }))
      yield* advance("4 minutes")
      assert.deepStrictEqual(yield* registry.active, [guildA])
      yield* advance("1 minute")
      assert.deepStrictEqual(yield* registry.active, [])
      assert.deepStrictEqual(log.disconnected, [guildB, guildA])
      assert.isTrue(log.closed.some((s) => s.includes("long")))
      // a new command starts a fresh player
      const reply = yield* registry.send(guildA, enqueue(t("again", 100)))
      assert.strictEqual(reply.added[0]?.entryId, 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a command while a player is being torn down gets a new one only after the old one left voice", () => {
    const fake = makeFakeAudio({ leaveTakes: "200 millis" })
    const layer = PlayerRegistry.layer().pipe(Layer.provide(fake.layer))
    const music = ChannelId.make("300000000000000001")
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, new Cmd.Connect({ channelId: music, requester: user }))
      yield* registry.send(guildA, enqueue(t("first", 600_000)))
      const released = yield* registry.release(guildA, { reason: "alone", by: null }).pipe(Effect.forkChild({ startImmediately: true }))
      yield* registry.send(guildA, new Cmd.Connect({ channelId: music, requester: user }))
      yield* Fiber.join(released)
      // Had the new player joined first, the old one's leave would have cut its connection.
      assert.deepStrictEqual(fake.log.voice, [`join:${guildA}`, `leave:${guildA}`, `join:${guildA}`])
      assert.strictEqual(yield* registry.channel(guildA), music)
      assert.deepStrictEqual(yield* registry.active, [guildA])
    }).pipe(Effect.provide(layer))
  })

  it.effect("in 24/7 mode an idle player stays, and leaves within a window of 24/7 being turned off", () => {
    let stay = true
    const { log, layer } = setup({ idleWindow: "5 minutes", stayConnected: (guildId) => Effect.sync(() => stay && guildId === guildA) })
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, enqueue(t("a", 100)))
      yield* registry.send(guildB, enqueue(t("b", 100)))
      yield* advance("1 second")
      yield* advance("30 minutes")
      assert.deepStrictEqual(yield* registry.active, [guildA], "B left after its window; A stays in 24/7 mode")
      stay = false
      yield* advance("5 minutes")
      assert.deepStrictEqual(yield* registry.active, [])
      assert.deepStrictEqual(log.disconnected, [guildB, guildA])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the state stream ends when the player is torn down", () => {
    const { layer } = setup({ idleWindow: "1 minute" })
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, enqueue(t("a", 100)))
      const fiber = yield* registry.changes(guildA).pipe(Stream.runCount, Effect.forkChild)
      yield* advance("2 minutes")
      const count = yield* Fiber.join(fiber)
      assert.isAtLeast(count, 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a defect restarts the player from its last good state with capped backoff; other guilds carry on", () => {
    const { log, layer } = setup({
      restartBaseDelay: "1 second",
      restartMaxDelay: "3 seconds",
      onCommand: (_, command) => command._tag === "Shuffle" ? Effect.die(new Error("boom")) : Effect.void
    })
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, enqueue(t("a", 60_000), t("b", 100), t("c", 100)))
      yield* registry.send(guildB, enqueue(t("x", 60_000)))
      const shuffle = new Cmd.Shuffle({ requester: user })
      const crash = yield* registry.send(guildA, shuffle).pipe(Effect.flip)
      assert.strictEqual(crash.reason._tag, "PlayerUnavailable")

      // the next command waits out the 1 s backoff; guild B answers at once meanwhile
      const waiting = yield* registry.send(guildA, new Cmd.SetLoop({ mode: "track", requester: user })).pipe(
        Effect.forkChild
      )
      yield* advance("500 millis")
      assert.isUndefined(waiting.pollUnsafe())
      const b = yield* registry.send(guildB, new Cmd.SetVolume({ volume: 80, requester: user }))
      assert.strictEqual(b.volume, 80)
      yield* advance("500 millis")
      assert.strictEqual((yield* Fiber.join(waiting)).mode, "track")

      // state survived, and A's playback never stopped
      const state = yield* registry.state(guildA)
      assert.deepStrictEqual(state.queue.upcoming.map((e) => e.track.title), ["b", "c"])
      assert.strictEqual(state.queue.loop, "track")
      const sentA = log.sent.filter((s) => s.guildId === guildA).length
      assert.isAtLeast(sentA, 45)

      // consecutive crashes double the delay up to the cap: 1 s, 2 s, 3 s
      yield* registry.send(guildA, shuffle).pipe(Effect.flip)
      yield* registry.send(guildA, shuffle).pipe(Effect.flip, Effect.forkChild)
      yield* advance("1 second")
      yield* registry.send(guildA, shuffle).pipe(Effect.flip, Effect.forkChild)
      yield* advance("2 seconds")
      const late = yield* registry.send(guildA, new Cmd.SetLoop({ mode: "off", requester: user })).pipe(
        Effect.forkChild
      )
      yield* advance("2900 millis")
      assert.isUndefined(late.pollUnsafe())
      yield* advance("100 millis")
      assert.strictEqual((yield* Fiber.join(late)).mode, "off")
      assert.deepStrictEqual(yield* registry.active, [guildA, guildB])
    }).pipe(Effect.provide(layer))
  })
})
