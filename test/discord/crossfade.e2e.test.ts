import { assert, describe, it } from "vitest"
import { opusFrames } from "../fake-discord/ReceivedAudio.ts"
import { decodeMono, goertzelPower, slice } from "../support/audioAnalysis.ts"
import { blockHarness, command, eventually, ids } from "./harness.ts"

/** The whole bot: `/settings crossfade` reaches the player, and Discord hears the fade. */
describe("Reprise against the fake Discord: crossfade", () => {
  const h = blockHarness({ tones: { "/x440.ogg": [440, 5], "/y660.ogg": [660, 5] } })

  it("fades a track that ends on its own into the next over the seconds /settings crossfade set", async () => {
    const { fake } = h
    await command(fake, ids.alice, "settings", { crossfade: 2 }, /Crossfade is 2 s/)
    await command(fake, ids.alice, "play", { query: h.files.url("/x440.ogg") }, /Now playing/)
    await command(fake, ids.alice, "play", { query: h.files.url("/y660.ogg") }, /y660/)
    const frames = () => opusFrames(h.stream()).frames.length
    // Both heard through: no frame has arrived for a second.
    let count = -1
    let since = performance.now()
    await eventually(() => {
      const now = frames()
      if (now !== count) [count, since] = [now, performance.now()]
      return now > 300 && performance.now() - since > 1000
    }, "the queue played out", 30_000)
    const samples = decodeMono(opusFrames(h.stream()).frames.map((f) => f.payload))
    const db = (frequency: number, atMs: number) => 10 * Math.log10(goertzelPower(slice(samples, atMs, 100), frequency) + 1e-12)
    // 5 s and 5 s with 2 s of them together: 8 s, not 10.
    assert.closeTo(samples.length / 48, 8000, 300)
    assert.isAbove(db(440, 1500), db(660, 1500) + 20)
    assert.isBelow(Math.abs(db(440, 3950) - db(660, 3950)), 6, "halfway through the fade, both")
    assert.isAbove(db(660, 6500), db(440, 6500) + 20)
  }, 60_000)
})
