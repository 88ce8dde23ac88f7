import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { lineAt, parseLrc } from "../../src/lyrics/Lrc.ts"

const stamp = (ms: number) => {
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.floor((ms % 60_000) / 1000)
  const hundredths = Math.floor((ms % 1000) / 10)
  return `[${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}.${String(hundredths).padStart(2, "0")}]`
}

describe("the LRC parser", () => {
  it("reads each time tag's minutes, seconds and fraction, and the words after it", () => {
    assert.deepStrictEqual(parseLrc("[00:01.50] One\n[01:02.05]Two\n[00:03.5] Three\n[00:04.123] Four\n[00:05] Five"), [
      { atMs: 1500, text: "One" },
      { atMs: 3500, text: "Three" },
      { atMs: 4123, text: "Four" },
      { atMs: 5000, text: "Five" },
      { atMs: 62_050, text: "Two" }
    ])
  })

  it("leaves out metadata tags, blank lines and untimed text, and keeps empty timed lines (pauses)", () => {
    const text = "[ar: Someone]\n[ti: Song]\r\n\nloose words\n[00:01.00] Hello\r\n[00:02.00]\n"
    assert.deepStrictEqual(parseLrc(text), [{ atMs: 1000, text: "Hello" }, { atMs: 2000, text: "" }])
  })

  it("puts a line with several tags at each of its times", () => {
    assert.deepStrictEqual(parseLrc("[00:10.00][00:01.00] Chorus\n[00:05.00] Verse"), [
      { atMs: 1000, text: "Chorus" },
      { atMs: 5000, text: "Verse" },
      { atMs: 10_000, text: "Chorus" }
    ])
  })

  it("reads back any list of timed lines it is given, in time order", () => {
    const line = fc.record({
      atMs: fc.integer({ min: 0, max: 99 * 60_000 }).map((ms) => ms - (ms % 10)),
      text: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n[\]]/g, "").trim())
    })
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
      const parsed = parseLrc(lines.map((l) => `${stamp(l.atMs)} ${l.text}`).join("\n"))
      const expected = [...lines].sort((a, b) => a.atMs - b.atMs)
      assert.deepStrictEqual(parsed, expected)
    }))
  })

  it("finds the line sung at a position: the last one started, -1 before the first", () => {
    const lines = parseLrc("[00:01.00] a\n[00:03.00] b\n[00:03.00] c\n[00:07.00] d")
    assert.deepStrictEqual([0, 999, 1000, 2999, 3000, 6999, 7000, 99_000].map((ms) => lineAt(lines, ms)), [-1, -1, 0, 0, 2, 2, 3, 3])
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 600_000 }), { maxLength: 20 }),
      fc.integer({ min: -1000, max: 700_000 }),
      (times, position) => {
        const sorted = [...times].sort((a, b) => a - b).map((atMs) => ({ atMs, text: "" }))
        const i = lineAt(sorted, position)
        assert.strictEqual(i, sorted.filter((l) => l.atMs <= position).length - 1)
      }
    ))
  })
})
