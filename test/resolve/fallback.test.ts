import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { fallsBack, matchScore, MIN_SCORE, pickSubstitute, type Wanted } from "../../src/resolve/Fallback.ts"
import { Busy, resolveError, SourceDown, timeoutError } from "../../src/resolve/ResolveError.ts"
import { classifyStderr } from "../../src/resolve/ytdlp/YtDlpJson.ts"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ytdlp/${name}`, import.meta.url), "utf8")
const classified = (stderr: string) => classifyStderr(stderr, { cookiesSet: false, site: "YouTube" })

const wanted: Wanted = { title: "Song Title", author: "The Artist", durationMs: 200_000 }
const candidate = (title: string, durationMs: number | null, author: string | null = null): Wanted => ({ title, author, durationMs })

describe("which failures try another source", () => {
  it("the sign-in check, an open circuit, and a region-locked, private or removed video", () => {
    assert.isTrue(fallsBack(classified(fixture("bot-check.stderr.txt"))))
    assert.isTrue(fallsBack(classified(fixture("region-locked.stderr.txt"))))
    assert.isTrue(fallsBack(classified(fixture("private.stderr.txt"))))
    assert.isTrue(fallsBack(classified(fixture("unavailable.stderr.txt"))))
    assert.isTrue(fallsBack(resolveError("ytdlp", new SourceDown({ message: "down", retryAfter: Duration.seconds(30) }))))
  })

  it("not what a retry fixes, nor a query nothing answers", () => {
    assert.isFalse(fallsBack(classified("ERROR: [youtube] x: Unable to download webpage: HTTP Error 503: Service Unavailable")))
    assert.isFalse(fallsBack(classified("ERROR: [youtube] x: Unable to download webpage: <urlopen error timed out>")))
    assert.isFalse(fallsBack(timeoutError("ytdlp", "yt-dlp", "20 seconds")))
    assert.isFalse(fallsBack(resolveError("ytdlp", new Busy({ message: "busy" }))))
    assert.isFalse(fallsBack(classified("ERROR: [generic] None: Unable to download webpage: HTTP Error 404: Not Found")))
  })
})

describe("picking a substitute", () => {
  it("the same song within the tolerance, not a longer version nor another song of the same length", () => {
    const extended = candidate("The Artist - Song Title (Extended Mix)", 420_000)
    const other = candidate("Another Band - Other Song", 200_000)
    const same = candidate("Song Title", 203_000, "The Artist")
    assert.strictEqual(pickSubstitute(wanted, [extended, other, same], 5000), same)
    assert.isNull(pickSubstitute(wanted, [extended, other], 5000))
    assert.isNull(matchScore(wanted, extended, 5000))
    assert.isNull(matchScore(wanted, candidate("Song Title", null, "The Artist"), 5000), "no length, no match")
  })

  it("the closest length among equally good matches, whatever their order", () => {
    const near = candidate("The Artist - Song Title", 201_000)
    const far = candidate("The Artist - Song Title", 204_000)
    assert.strictEqual(pickSubstitute(wanted, [far, near], 5000), near)
    assert.strictEqual(pickSubstitute(wanted, [near, far], 5000), near)
  })

  it("words without a length: most of the words asked for, the plain title before a version of it", () => {
    const words: Wanted = { title: "blue moon", author: null, durationMs: null }
    const hit = candidate("Blue Moon (live)", null)
    assert.strictEqual(pickSubstitute(words, [candidate("Red Sun", 1000), hit], 0), hit)
    const plain = candidate("The Band - Blue Moon", 1000)
    assert.strictEqual(pickSubstitute(words, [candidate("The Band - Blue Moon (Extended Mix)", 1000), plain], 0), plain)
    assert.isNull(pickSubstitute(words, [candidate("Moonlight Sonata", 1000)], 0))
  })

  const word = fc.stringMatching(/^[a-z]{2,8}$/)
  const track = fc.record({
    title: fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(" ")),
    author: fc.option(word, { nil: null }),
    durationMs: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: null })
  })
  const tolerance = fc.integer({ min: 0, max: 10_000 })

  it("never a candidate off by more than the tolerance, nor one scoring below MIN_SCORE", () => {
    fc.assert(fc.property(track, fc.array(track, { maxLength: 10 }), tolerance, (w, candidates, tol) => {
      const picked = pickSubstitute(w, candidates, tol)
      if (picked === null) return
      assert.include(candidates, picked)
      if (w.durationMs !== null) {
        assert.isNotNull(picked.durationMs)
        assert.isAtMost(Math.abs(picked.durationMs! - w.durationMs), tol)
      }
      assert.isAtLeast(matchScore(w, picked, tol)!, MIN_SCORE)
    }))
  })

  it("a candidate that is the track itself always scores 1, and then something is picked", () => {
    fc.assert(fc.property(track, fc.array(track, { maxLength: 10 }), tolerance, (w, others, tol) => {
      assert.strictEqual(matchScore(w, w, tol), 1)
      const picked = pickSubstitute(w, [...others, w], tol)
      assert.isNotNull(picked)
      assert.strictEqual(matchScore(w, picked!, tol), 1)
    }))
  })

  it("the order of the candidates does not change how good the pick is", () => {
    fc.assert(fc.property(track, fc.array(track, { maxLength: 10 }), tolerance, (w, candidates, tol) => {
      const a = pickSubstitute(w, candidates, tol)
      const b = pickSubstitute(w, [...candidates].reverse(), tol)
      assert.strictEqual(a === null ? null : matchScore(w, a, tol), b === null ? null : matchScore(w, b, tol))
    }))
  })
})
