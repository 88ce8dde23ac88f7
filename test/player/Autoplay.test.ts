import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Option, PubSub } from "effect"
import { TestClock } from "effect/testing"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { GuildId } from "../../schema/Ids.ts"
import type { Track } from "../../schema/Track.ts"
import { autoplay } from "../../src/player/Autoplay.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { makeFakeAudio } from "./support/FakeAudio.ts"
import { guildA, guildB, track, user } from "./support/tracks.ts"

const advance = (duration: Duration.Input) =>
  TestClock.withLive(Effect.sleep("25 millis")).pipe(Effect.andThen(TestClock.adjust(duration)))

const t = (name: string) => track(name, { location: `/m/${name}-100.flac`, durationMs: 100 })

/** "Related" tracks in a fixed order; the source skips whatever the player says it played recently. */
const catalogue = [t("a"), t("b"), t("c")]

const setup = (enabledGuilds: ReadonlyArray<GuildId>, options: {
  readonly catalogue?: ReadonlyArray<Track>
  readonly trackLimitMs?: number
} = {}) => {
  const related = options.catalogue ?? catalogue
  const fake = makeFakeAudio()
  const asked: Array<ReadonlyArray<string>> = []
  const registry = PlayerRegistry.layer().pipe(Layer.provide(fake.layer))
  const sources = {
    played: () => Effect.succeed([]),
    enabled: (guildId: GuildId) => Effect.succeed(enabledGuilds.includes(guildId)),
    related: (_after: Track, recentIds: ReadonlyArray<string>) =>
      Effect.sync(() => {
        asked.push(recentIds)
        return Option.fromUndefinedOr(related.find((candidate) => !recentIds.includes(candidate.id)))
      }),
    ...(options.trackLimitMs === undefined ? {} : { trackLimitMs: () => Effect.succeed(options.trackLimitMs!) })
  }
  return { asked, layer: Layer.effectDiscard(Effect.forkScoped(autoplay(sources))).pipe(Layer.provideMerge(registry)) }
}

const titles = (registry: PlayerRegistry["Service"], guildId: GuildId) =>
  registry.state(guildId).pipe(Effect.map((s) => [
    ...s.queue.history.map((e) => e.track.title),
    ...(s.queue.current === null ? [] : [s.queue.current.track.title])
  ]))

describe("autoplay", () => {
  it.effect("queues a related track when the queue runs out, never a recent one, until none is left, and says so", () => {
    const { asked, layer } = setup([guildA])
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const events = yield* registry.subscribe
      yield* registry.send(guildA, new Cmd.Enqueue({ tracks: [t("a")], position: "end", requester: user }))
      for (let i = 0; i < 6; i++) yield* advance("200 millis")
      assert.deepStrictEqual(yield* titles(registry, guildA), ["a", "b", "c"])
      assert.deepStrictEqual(asked.map((ids) => [...ids].sort()), [
        ["file:a"],
        ["file:a", "file:b"],
        ["file:a", "file:b", "file:c"]
      ])
      const said = (yield* PubSub.takeAll(events)).filter((e) => e._tag === "AutoplayFoundNothing")
      assert.deepStrictEqual(said.map((e) => [e.guildId, e.after]), [[guildA, "c"]], "once, after the last it found")
    }).pipe(Effect.provide(layer))
  })

  it.effect("goes on when the last track is skipped: a skip asks for something else, not for silence", () => {
    const { asked, layer } = setup([guildA])
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildA, new Cmd.Enqueue({ tracks: [t("a")], position: "end", requester: user }))
      yield* advance("20 millis")
      yield* registry.send(guildA, new Cmd.Skip({ count: 1, requester: user }))
      yield* advance("20 millis")
      assert.deepStrictEqual(asked.map((ids) => [...ids].sort()), [["file:a"]], "asked once, right after the skip")
      assert.deepStrictEqual(yield* titles(registry, guildA), ["a", "b"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("passes over a related track longer than the guild plays, and says it found nothing after a few", () => {
    const long = (name: string) => track(name, { location: `/m/${name}-900.flac`, durationMs: 900 })
    const { asked, layer } = setup([guildA], {
      catalogue: [long("x"), t("b"), long("y"), long("z"), long("w")],
      trackLimitMs: 500
    })
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const events = yield* registry.subscribe
      yield* registry.send(guildA, new Cmd.Enqueue({ tracks: [t("a")], position: "end", requester: user }))
      for (let i = 0; i < 6; i++) yield* advance("200 millis")
      assert.deepStrictEqual(yield* titles(registry, guildA), ["a", "b"], "x, y, z and w are never queued")
      // After b: y, z and w are each passed over, and the third lookup is the last.
      assert.lengthOf(asked, 5)
      const said = (yield* PubSub.takeAll(events)).filter((e) => e._tag === "AutoplayFoundNothing")
      assert.deepStrictEqual(said.map((e) => e.after), ["b"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("does nothing for a guild with autoplay off, or after a stop", () => {
    const { asked, layer } = setup([guildA])
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(guildB, new Cmd.Enqueue({ tracks: [t("a")], position: "end", requester: user }))
      yield* registry.send(guildA, new Cmd.Enqueue({ tracks: [t("b")], position: "end", requester: user }))
      yield* registry.send(guildA, new Cmd.Stop({ requester: user }))
      for (let i = 0; i < 4; i++) yield* advance("200 millis")
      assert.deepStrictEqual(yield* titles(registry, guildB), ["a"])
      assert.deepStrictEqual(asked, [], "no lookup for the guild without autoplay, nor after a stop")
    }).pipe(Effect.provide(layer))
  })
})
