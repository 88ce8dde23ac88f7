import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { countingSpawner, settings } from "./helpers.ts"

describe("playable", () => {
  it.effect("plain file tracks (the bot's own) are handed to FFmpeg as they are, with nothing spawned", () => {
    const spawner = countingSpawner()
    return Effect.gen(function*() {
      const resolver = yield* Resolver
      const track = {
        id: "file:/music/song.opus",
        kind: "file" as const,
        location: "/music/song.opus",
        title: "song",
        author: null,
        durationMs: null,
        artworkUrl: null
      }
      const playable = yield* resolver.playable(track)
      assert.deepStrictEqual(playable, { input: "/music/song.opus", httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false })
      assert.strictEqual(spawner.spawned.length, 0)
    }).pipe(Effect.provide(Resolver.layer(settings()).pipe(Layer.provide(spawner.layer))))
  })
})
