import { assert, describe, it } from "@effect/vitest"
import { crossfadeCut, crossfadeOpenMs, type Incoming, type Outgoing } from "../../src/player/Crossfade.ts"

const out: Outgoing = { entryId: 1, durationMs: 180_000, isLive: false, startMs: 0, positionMs: 168_000 }
const next: Incoming = { entryId: 2, durationMs: 200_000 }

describe("crossfadeCut", () => {
  it("cuts the outgoing track where the fade begins", () => {
    assert.strictEqual(crossfadeCut(4000, 1, out, next), 176_000)
  })
  it("counts the fade in played time: under a faster effect it covers more of the track", () => {
    assert.strictEqual(crossfadeCut(4000, 1.25, out, next), 175_000)
  })
  it("does not fade without a crossfade, into the same entry (a looped track) or out of a live stream", () => {
    assert.isNull(crossfadeCut(0, 1, out, next))
    assert.isNull(crossfadeCut(4000, 1, out, { ...next, entryId: out.entryId }))
    assert.isNull(crossfadeCut(4000, 1, { ...out, isLive: true }, next))
  })
  it("does not fade when either length is unknown", () => {
    assert.isNull(crossfadeCut(4000, 1, { ...out, durationMs: null }, next))
    assert.isNull(crossfadeCut(4000, 1, out, { ...next, durationMs: null }))
  })
  it("does not fade a track shorter than two fades, going out or coming in", () => {
    assert.isNull(crossfadeCut(4000, 1, { ...out, durationMs: 7999, positionMs: 0 }, next))
    assert.isNotNull(crossfadeCut(4000, 1, { ...out, durationMs: 8000, positionMs: 0 }, next))
    assert.isNull(crossfadeCut(4000, 1, out, { ...next, durationMs: 7999 }))
  })
  it("does not fade a run that started inside the fade (a seek there) or is too near it to open in time", () => {
    assert.isNull(crossfadeCut(4000, 1, { ...out, startMs: 176_000, positionMs: 177_000 }, next))
    assert.isNull(crossfadeCut(4000, 1, { ...out, positionMs: 176_000 - crossfadeOpenMs + 1 }, next))
    assert.strictEqual(crossfadeCut(4000, 1, { ...out, positionMs: 176_000 - crossfadeOpenMs }, next), 176_000)
  })
})
