import { assert, describe, it } from "@effect/vitest"
import { parsePosition } from "../../src/discord/commands/control.ts"
import { progressBar } from "../../src/discord/Render.ts"

describe("option parsing and rendering", () => {
  it("reads seek positions as m:ss, h:mm:ss or seconds", () => {
    assert.strictEqual(parsePosition("1:23"), 83_000)
    assert.strictEqual(parsePosition("1:02:03"), 3_723_000)
    assert.strictEqual(parsePosition("90"), 90_000)
    assert.strictEqual(parsePosition(" 2.5 "), 2_500)
    assert.isNull(parsePosition("1:75"))
    assert.isNull(parsePosition("soon"))
    assert.isNull(parsePosition("-3"))
  })

  it("draws a progress bar", () => {
    assert.strictEqual(progressBar(0, 60_000, 5), "0:00 🔘▬▬▬▬ 1:00")
    assert.strictEqual(progressBar(30_000, 60_000, 5), "0:30 ▬▬🔘▬▬ 1:00")
    assert.strictEqual(progressBar(90_000, 60_000, 5), "1:30 ▬▬▬▬🔘 1:00")
    assert.strictEqual(progressBar(5_000, null), "0:05 · live")
  })
})
