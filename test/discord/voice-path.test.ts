import { assert, describe, it } from "@effect/vitest"
import {
  changesOf, freshPath, type PathHealth, type PathState, type ProbeCounts, stepPath
} from "../../src/voice/VoicePath.ts"

const thresholds = { warnAfterMs: 3_000, deadAfterMs: 8_000 }

/** Steps a path through `looks`: [time in ms, probes sent so far, answers so far]. */
const run = (looks: ReadonlyArray<readonly [number, number, number]>): Array<PathHealth> => {
  let state: PathState = freshPath({ sent: 0, answered: 0 })
  return looks.map(([now, sent, answered]) => {
    const counts: ProbeCounts = { sent, answered }
    state = stepPath(state, counts, now, thresholds)
    return state.health
  })
}

describe("VoicePath", () => {
  it("a server that answers every probe stays answering", () => {
    assert.deepStrictEqual(run([[0, 1, 1], [5_000, 2, 2], [10_000, 3, 3], [15_000, 4, 4]]), [
      "answering", "answering", "answering", "answering"
    ])
  })

  it("an answer owed past the warning is silent, past the timeout dead, and an answer ends either", () => {
    const looks = [[0, 1, 1], [5_000, 2, 1], [7_900, 2, 1], [8_000, 2, 1], [12_900, 3, 1], [13_000, 3, 1]] as const
    const health = run([...looks, [13_500, 3, 2]])
    assert.deepStrictEqual(health, ["answering", "answering", "answering", "silent", "silent", "dead", "answering"])
  })

  it("the silence counts from the first probe unanswered, not from later ones", () => {
    // Probes at 5 s and 10 s both unanswered: dead 8 s after the first.
    assert.deepStrictEqual(run([[0, 1, 1], [5_000, 2, 1], [10_000, 3, 1], [13_000, 3, 1]]).at(-1), "dead")
  })

  it("one lost keepalive is no dead path: the next one's answer comes before the timeout", () => {
    const health = run([[0, 1, 1], [5_000, 2, 1], [8_500, 2, 1], [10_000, 3, 2], [15_000, 4, 3]])
    assert.deepStrictEqual(health, ["answering", "answering", "silent", "answering", "answering"])
  })

  it("a server that never answered is never judged (voice servers need not echo keepalives)", () => {
    const health = run([[0, 1, 0], [5_000, 2, 0], [10_000, 3, 0], [30_000, 7, 0]])
    assert.deepStrictEqual(health, ["answering", "answering", "answering", "answering"])
  })

  it("nothing is owed while no probe goes out", () => {
    assert.deepStrictEqual(run([[0, 1, 1], [60_000, 1, 1]]), ["answering", "answering"])
  })

  it("reports each change once; a path that dies in one look fell silent too", () => {
    assert.deepStrictEqual(changesOf("answering", "silent"), ["silent"])
    assert.deepStrictEqual(changesOf("silent", "silent"), [])
    assert.deepStrictEqual(changesOf("silent", "dead"), ["dead"])
    assert.deepStrictEqual(changesOf("answering", "dead"), ["silent", "dead"])
    assert.deepStrictEqual(changesOf("dead", "answering"), ["recovered"])
    assert.deepStrictEqual(changesOf("answering", "answering"), [])
  })
})
