import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Tracer } from "effect"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { makeFakeAudio } from "./support/FakeAudio.ts"
import { guildA, track, user } from "./support/tracks.ts"

/** Effect's own spans, kept for the test to read. */
const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

describe("GuildPlayer spans", () => {
  it.live("a track's playback is a trace of its own, linked to the command that started it", () => {
    const fake = makeFakeAudio()
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      yield* registry.send(
        guildA,
        new Cmd.Enqueue({ tracks: [track("a", { location: "/m/a-400.flac", durationMs: 400 })], position: "end", requester: user })
      ).pipe(Effect.withSpan("command /play"))
      yield* Effect.sleep("100 millis")
      const command = spans.find((s) => s.name === "command /play")!
      const handle = spans.find((s) => s.name === "GuildPlayer.handle")!
      const playback = spans.find((s) => s.name === "GuildPlayer.playback")
      assert.isDefined(playback)
      // The command's own work is part of its trace...
      assert.strictEqual(handle.traceId, command.traceId)
      assert.isTrue(Option.isSome(handle.parent))
      // ...but playback, which can outlive it by an hour, starts a trace of its own and points back.
      assert.isTrue(Option.isNone(playback!.parent))
      assert.notStrictEqual(playback!.traceId, command.traceId)
      assert.deepStrictEqual(playback!.links.map((l) => l.span.traceId), [command.traceId])
    }).pipe(Effect.provide(PlayerRegistry.layer().pipe(Layer.provide(fake.layer))), Effect.withTracer(tracer))
  })
})
