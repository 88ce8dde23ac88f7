import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { PacketReadable } from "../../src/voice/PacketReadable.ts"

const packet = (n: number) => new Uint8Array([n])

describe("PacketReadable (the Opus stream @discordjs/voice reads)", () => {
  it.live("buffers at most its read-ahead before the player reads, then takes one more per read", () =>
    Effect.gen(function*() {
      const readable = new PacketReadable(2)
      let offered = 0
      const producer = yield* Effect.forEach([1, 2, 3, 4, 5], (n) =>
        readable.offer(packet(n)).pipe(Effect.tap(() => Effect.sync(() => offered++)))).pipe(Effect.forkChild)
      yield* Effect.sleep("20 millis")
      // The second push fills the buffer: that offer waits until the player reads.
      assert.strictEqual(readable.readableLength, 2)
      assert.strictEqual(offered, 1)
      assert.deepStrictEqual(readable.read(), packet(1))
      yield* Effect.sleep("20 millis")
      assert.strictEqual(readable.readableLength, 2)
      assert.strictEqual(offered, 2, "one more per packet read")
      assert.deepStrictEqual(readable.read(), packet(2))
      assert.deepStrictEqual(readable.read(), packet(3))
      yield* Effect.sleep("20 millis")
      assert.strictEqual(offered, 4)
      assert.deepStrictEqual(readable.read(), packet(4))
      yield* Effect.sleep("20 millis")
      yield* Fiber.join(producer)
      readable.endOfStream()
      assert.deepStrictEqual(readable.read(), packet(5))
      assert.isNull(readable.read())
    }))

  it.live("a destroyed stream (the player moved on) leaves the producer waiting to be interrupted", () =>
    Effect.gen(function*() {
      const readable = new PacketReadable(2)
      yield* readable.offer(packet(1))
      const blocked = yield* readable.offer(packet(2)).pipe(Effect.forkChild)
      readable.destroy()
      yield* Effect.sleep("20 millis")
      assert.isUndefined(blocked.pollUnsafe())
      yield* Fiber.interrupt(blocked)
    }))
})
