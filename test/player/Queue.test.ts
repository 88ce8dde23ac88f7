import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import type { QueueError } from "../../schema/PlayerError.ts"
import { emptyQueueState, type QueueEntry, type QueueState } from "../../schema/PlayerState.ts"
import * as Q from "../../src/player/Queue.ts"
import { track } from "./support/tracks.ts"

const settings: Q.QueueSettings = { maxQueueSize: 100, allowDuplicates: true, historySize: 20 }

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) throw new Error(`expected success, got ${String(r.failure)}`)
  return r.success
}
const err = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error("expected a failure")
  return r.failure
}

/** A queue with `names` enqueued at the end and the first of them current. */
const queueOf = (names: ReadonlyArray<string>, s: Q.QueueSettings = settings): QueueState =>
  Q.startNext(ok(Q.enqueue(emptyQueueState, names.map((n) => track(n)), "end", s)).state).state

const ids = (entries: ReadonlyArray<QueueEntry>) => entries.map((e) => e.entryId)
const titles = (entries: ReadonlyArray<QueueEntry>) => entries.map((e) => e.track.title)
const allIds = (q: QueueState) => [...(q.current === null ? [] : [q.current.entryId]), ...ids(q.upcoming)]
const sorted = (xs: ReadonlyArray<number>) => xs.slice().sort((a, b) => a - b)

const names = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), { minLength: 1, maxLength: 12 })

describe("queue model", () => {
  it("enqueues at the end, next, or a 1-based position", () => {
    const q = queueOf(["a", "b", "c"])
    assert.deepStrictEqual(titles(ok(Q.enqueue(q, [track("x")], "end", settings)).state.upcoming), ["b", "c", "x"])
    assert.deepStrictEqual(titles(ok(Q.enqueue(q, [track("x")], "next", settings)).state.upcoming), ["x", "b", "c"])
    assert.deepStrictEqual(titles(ok(Q.enqueue(q, [track("x")], 2, settings)).state.upcoming), ["b", "x", "c"])
    assert.deepStrictEqual(titles(ok(Q.enqueue(q, [track("x")], 3, settings)).state.upcoming), ["b", "c", "x"])
    const e = err(Q.enqueue(q, [track("x")], 4, settings))
    assert.strictEqual(e.message, "position 4 does not exist, the queue has 2 tracks")
  })

  it("gives duplicates their own entry ids and reports them", () => {
    const r = ok(Q.enqueue(queueOf(["a", "b"]), [track("a"), track("z"), track("z")], "end", settings))
    assert.deepStrictEqual(titles(r.state.upcoming), ["b", "a", "z", "z"])
    assert.deepStrictEqual(r.duplicates.map((t) => t.title), ["a", "z"])
    assert.strictEqual(new Set(allIds(r.state)).size, 5)
  })

  it("refuses duplicates when the guild says so, adding the rest", () => {
    const refuse = { ...settings, allowDuplicates: false }
    const q = queueOf(["a", "b"], refuse)
    const r = ok(Q.enqueue(q, [track("a"), track("z")], "end", refuse))
    assert.deepStrictEqual(titles(r.state.upcoming), ["b", "z"])
    assert.deepStrictEqual(r.duplicates.map((t) => t.title), ["a"])
    const e = err(Q.enqueue(q, [track("b")], "end", refuse))
    assert.strictEqual(e._tag, "DuplicateTrack")
    assert.strictEqual(e.message, "\"b\" is already in the queue")
  })

  it("enforces the queue size limit", () => {
    const small = { ...settings, maxQueueSize: 3 }
    const q = queueOf(["a", "b", "c"], small)
    const e = err(Q.enqueue(q, [track("x"), track("y")], "end", small))
    assert.strictEqual(e._tag, "QueueFull")
    assert.strictEqual(ok(Q.enqueue(q, [track("x")], "end", small)).state.upcoming.length, 3)
  })

  it("advances under loop off, track and queue", () => {
    const q = queueOf(["a", "b"])
    const off = Q.advance(q, "finished", settings)
    assert.strictEqual(off.next?.track.title, "b")
    assert.deepStrictEqual(titles(off.state.history), ["a"])
    assert.strictEqual(Q.advance(off.state, "finished", settings).next, null)
    const looped = Q.advance({ ...q, loop: "track" }, "finished", settings)
    assert.strictEqual(looped.next?.entryId, q.current?.entryId)
    assert.strictEqual(Q.advance({ ...q, loop: "track" }, "skipped", settings).next?.track.title, "b")
    const ring = Q.advance({ ...q, loop: "queue" }, "finished", settings)
    assert.deepStrictEqual(titles(ring.state.upcoming), ["a"])
    // a failing entry leaves the ring instead of failing forever
    assert.deepStrictEqual(titles(Q.advance({ ...q, loop: "queue" }, "failed", settings).state.upcoming), [])
  })

  it("goes back through bounded history", () => {
    const small = { ...settings, historySize: 2 }
    let q = queueOf(["a", "b", "c", "d"], small)
    for (let i = 0; i < 3; i++) q = Q.advance(q, "finished", small).state
    assert.deepStrictEqual(titles(q.history), ["b", "c"])
    const back = ok(Q.previous(q))
    assert.strictEqual(back.next.track.title, "c")
    assert.deepStrictEqual(titles(back.state.upcoming), ["d"])
    assert.strictEqual(err(Q.previous(queueOf(["a"]))).message, "there is no previous track")
  })

  it("validates skip, remove and move positions with the exact count", () => {
    const q = queueOf(["a", "b", "c", "d", "e"])
    assert.strictEqual(err(Q.skipTo(q, 9, settings)).message, "position 9 does not exist, the queue has 4 tracks")
    assert.strictEqual(err(Q.remove(q, 0)).message, "position 0 does not exist, the queue has 4 tracks")
    assert.strictEqual(err(Q.remove(q, 2, 5))._tag, "PositionOutOfRange")
    assert.strictEqual(err(Q.remove(q, 3, 2))._tag, "InvalidArgument")
    assert.strictEqual(err(Q.move(q, 1, 5)).message, "position 5 does not exist, the queue has 4 tracks")
    assert.strictEqual(err(Q.skip(q, 6, settings)).message, "cannot skip 6 tracks, only 5 are left")
    assert.strictEqual(err(Q.skip(Q.stop(q, settings).state, 1, settings))._tag, "NothingPlaying")
    assert.deepStrictEqual(titles(ok(Q.remove(q, 2, 3)).removed), ["c", "d"])
    assert.strictEqual(ok(Q.skip(q, 5, settings)).next, null)
  })

  describe("properties", () => {
    it("move, shuffle and remove never lose or duplicate an entry", () => {
      fc.assert(
        fc.property(names, fc.nat(), fc.nat(), fc.integer(), fc.nat(), (ns, a, b, seed, len) => {
          const q = queueOf(ns)
          const size = q.upcoming.length
          const before = sorted(allIds(q))
          if (size > 0) {
            const from = (a % size) + 1
            const to = (b % size) + 1
            const moved = ok(Q.move(q, from, to))
            assert.deepStrictEqual(sorted(allIds(moved.state)), before)
            assert.strictEqual(moved.state.upcoming[to - 1]?.entryId, q.upcoming[from - 1]?.entryId)
            const last = Math.min(size, from + (len % 3))
            const removed = ok(Q.remove(q, from, last))
            assert.deepStrictEqual(sorted([...allIds(removed.state), ...ids(removed.removed)]), before)
            assert.strictEqual(removed.removed.length, last - from + 1)
          }
          assert.deepStrictEqual(sorted(allIds(Q.shuffle(q, seed))), before)
        })
      )
    })

    it("shuffle with the same seed is deterministic and a permutation", () => {
      fc.assert(
        fc.property(names, fc.integer(), (ns, seed) => {
          const q = queueOf(ns)
          const x = Q.shuffle(q, seed)
          assert.deepStrictEqual(ids(x.upcoming), ids(Q.shuffle(q, seed).upcoming))
          assert.deepStrictEqual(sorted(ids(x.upcoming)), sorted(ids(q.upcoming)))
          assert.strictEqual(x.current?.entryId, q.current?.entryId)
        })
      )
    })

    it("loop-queue cycles forever in order", () => {
      fc.assert(
        fc.property(names, fc.integer({ min: 1, max: 60 }), (ns, steps) => {
          const q = { ...queueOf(ns), loop: "queue" as const }
          const order = allIds(q)
          let s: QueueState = q
          for (let i = 1; i <= steps; i++) {
            s = Q.advance(s, "finished", settings).state
            assert.strictEqual(s.current?.entryId, order[i % order.length])
          }
          assert.strictEqual(allIds(s).length, order.length)
        })
      )
    })

    it("loop-track repeats the current entry until skipped", () => {
      fc.assert(
        fc.property(names, fc.integer({ min: 1, max: 20 }), (ns, steps) => {
          const q = { ...queueOf(ns), loop: "track" as const }
          let s: QueueState = q
          for (let i = 0; i < steps; i++) s = Q.advance(s, "finished", settings).state
          assert.deepStrictEqual(s, q)
          assert.strictEqual(Q.advance(s, "skipped", settings).next?.entryId, q.upcoming[0]?.entryId ?? undefined)
        })
      )
    })

    it("skip-to lands on the named entry, under every loop mode", () => {
      fc.assert(
        fc.property(names, fc.nat(), fc.constantFrom("off", "track", "queue" as const), (ns, p, loop) => {
          const q = { ...queueOf(ns), loop }
          fc.pre(q.upcoming.length > 0)
          const position = (p % q.upcoming.length) + 1
          const r = ok(Q.skipTo(q, position, settings))
          assert.strictEqual(r.next?.entryId, q.upcoming[position - 1]?.entryId)
          assert.strictEqual(r.skipped.length, position)
        })
      )
    })

    it("out-of-range positions are rejected with the exact count", () => {
      fc.assert(
        fc.property(names, fc.integer({ min: -5, max: 40 }), (ns, position) => {
          const q = queueOf(ns)
          const size = q.upcoming.length
          fc.pre(position < 1 || position > size)
          const results: ReadonlyArray<Result.Result<unknown, QueueError>> = [
            Q.skipTo(q, position, settings),
            Q.remove(q, position),
            Q.move(q, position, 1)
          ]
          for (const r of results) {
            const e = err(r)
            assert.strictEqual(e._tag, "PositionOutOfRange")
            if (e._tag === "PositionOutOfRange") {
              assert.strictEqual(e.size, size)
              assert.include(e.message, `position ${position} does not exist`)
            }
          }
        })
      )
    })
  })
})
