import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { ChannelId, UserId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { initialPlayerState } from "../../schema/PlayerState.ts"
import { EQ_PRESETS } from "../../src/audio/EffectCatalog.ts"
import * as Q from "../../src/player/Queue.ts"
import { type Context, type Core, initialCore, type Outcome } from "../../src/player/Plan.ts"
import { recover, transition } from "../../src/player/Transition.ts"
import { guildA, track, user } from "./support/tracks.ts"

const settings: Q.QueueSettings = { maxQueueSize: 20, allowDuplicates: true, historySize: 10 }
const other = UserId.make("200000000000000002")
const third = UserId.make("200000000000000003")

const ctx = (over: Partial<Context> = {}): Context => ({ nowMs: 1_000, positionMs: 0, seed: 7, settings, ...over })
const start = initialCore(initialPlayerState(guildA))

const ok = <A>(outcome: Outcome<A>): A => {
  if (Result.isFailure(outcome.reply)) throw new Error(`refused: ${outcome.reply.failure.message}`)
  return outcome.reply.success
}

const enqueue = (...names: ReadonlyArray<string>) =>
  new Cmd.Enqueue({
    tracks: [track(names[0]!, { durationMs: 60_000 }), ...names.slice(1).map((n) => track(n, { durationMs: 60_000 }))],
    position: "end",
    requester: user
  })

/** A core with `names` queued and the first one playing. */
const playing = (...names: ReadonlyArray<string>): Core => transition(start, enqueue(...names), ctx()).core

/** A command for the core it is applied to: playback reports name the current run, or a stale one. */
type Step = (core: Core) => Cmd.UserCommand | Cmd.PlaybackReport

const steps: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom("a", "b", "c", "d").map((n): Step => () => enqueue(n)),
  fc.integer({ min: 1, max: 3 }).map((count): Step => () => new Cmd.Skip({ count, requester: user })),
  fc.integer({ min: 1, max: 3 }).map((needed): Step => (c) =>
    new Cmd.VoteSkip({ needed, requester: c.nextRunId % 2 === 0 ? user : other })
  ),
  fc.integer({ min: 1, max: 4 }).map((position): Step => () => new Cmd.SkipTo({ position, requester: user })),
  fc.constant<Step>(() => new Cmd.Previous({ requester: user })),
  fc.integer({ min: 0, max: 90_000 }).map((positionMs): Step => () => new Cmd.Seek({ positionMs, requester: user })),
  fc.constant<Step>(() => new Cmd.Pause({ requester: user })),
  fc.constant<Step>(() => new Cmd.Resume({ requester: user })),
  fc.constant<Step>(() => new Cmd.TogglePause({ requester: user })),
  fc.constant<Step>(() => new Cmd.Stop({ requester: user })),
  fc.integer({ min: 1, max: 4 }).map((position): Step => () => new Cmd.Remove({ position, requester: user })),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).map(([from, to]): Step => () =>
    new Cmd.Move({ from, to, requester: user })
  ),
  fc.constant<Step>(() => new Cmd.Shuffle({ requester: user })),
  fc.constant<Step>(() => new Cmd.Clear({ requester: user })),
  fc.constant<Step>(() => new Cmd.CycleLoop({ requester: user })),
  fc.integer({ min: 0, max: 200 }).map((volume): Step => () => new Cmd.SetVolume({ volume, requester: user })),
  fc.constantFrom("nightcore", "8d", "bassboost" as const).map((effect): Step => () =>
    new Cmd.ToggleEffect({ effect, requester: user })
  ),
  fc.constantFrom("flat", "rock" as const).map((preset): Step => () => new Cmd.SetEqualizer({ preset, requester: user })),
  fc.boolean().map((stale): Step => (c) =>
    new Cmd.TrackEnded({ runId: stale || c.run === null ? c.nextRunId + 5 : c.run.runId })
  ),
  fc.boolean().map((stale): Step => (c) =>
    new Cmd.TrackFailed({ runId: stale || c.run === null ? c.nextRunId + 5 : c.run.runId, reason: "x", detail: "" })
  )
)

/** Applies each step with a clock that moves on and a position the run has reached. */
const run = (script: ReadonlyArray<Step>, each: (before: Core, command: Cmd.PlayerCommand, outcome: Outcome<unknown>) => void) =>
  script.reduce((core, step, i) => {
    const command = step(core)
    const positionMs = core.run === null ? core.player.position.ms : core.player.position.ms + 500
    const outcome = transition(core, command, ctx({ nowMs: 1_000 + i * 500, positionMs, seed: i }))
    each(core, command, outcome)
    return outcome.core
  }, start)

const invariants = (core: Core) => {
  const { queue, paused, position } = core.player
  // A run plays exactly when there is something current and it is not paused.
  assert.strictEqual(core.run !== null, queue.current !== null && !paused)
  assert.strictEqual(position.playing, core.run !== null)
  if (core.run !== null) assert.strictEqual(core.run.entryId, queue.current?.entryId)
  const ids = [...(queue.current === null ? [] : [queue.current.entryId]), ...queue.upcoming.map((e) => e.entryId)]
  assert.strictEqual(new Set(ids).size, ids.length)
  if (core.run !== null) assert.isBelow(core.run.runId, core.nextRunId)
}

describe("the player's transition", () => {
  it("keeps its invariants under any sequence of commands and reports", () => {
    fc.assert(fc.property(fc.array(steps, { maxLength: 40 }), (script) => void run(script, (_, __, o) => invariants(o.core))))
  })

  it("a refused command changes nothing and does no work", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 40 }), (script) =>
        void run(script, (before, _, outcome) => {
          if (Result.isSuccess(outcome.reply)) return
          assert.strictEqual(outcome.core, before)
          assert.deepStrictEqual(outcome.work, [])
        }))
    )
  })

  it("starts each run with a new id, stops only a run that plays, and publishes nothing for a stale report", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 40 }), (script) => {
        let lastRunId = 0
        run(script, (before, command, outcome) => {
          for (const work of outcome.work) {
            if (work._tag === "Play") {
              assert.isAbove(work.runId, lastRunId)
              lastRunId = work.runId
              assert.deepStrictEqual(outcome.core.run, { runId: work.runId, entryId: work.entry.entryId })
            }
            if (work._tag === "Stop") assert.isNotNull(before.run)
          }
          const stale = (command._tag === "TrackEnded" || command._tag === "TrackFailed") &&
            command.runId !== before.run?.runId
          if (stale) {
            assert.strictEqual(outcome.core, before)
            assert.deepStrictEqual(outcome.work, [])
          }
        })
      })
    )
  })

  it("two toggles are two changes: pause and effects come back to where they were", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 20 }), fc.constantFrom("nightcore", "8d" as const), (script, effect) => {
        const core = run(script, () => {})
        fc.pre(core.player.queue.current !== null)
        const c = ctx({ positionMs: core.run === null ? core.player.position.ms : 4_321 })
        const once = transition(core, new Cmd.TogglePause({ requester: user }), c)
        const twice = transition(once.core, new Cmd.TogglePause({ requester: other }), c)
        assert.strictEqual(ok(once).paused, !core.player.paused)
        assert.strictEqual(twice.core.player.paused, core.player.paused)
        assert.strictEqual(ok(twice).positionMs, ok(once).positionMs)
        const on = transition(core, new Cmd.ToggleEffect({ effect, requester: user }), c)
        const off = transition(on.core, new Cmd.ToggleEffect({ effect, requester: other }), c)
        assert.notDeepEqual([...on.core.player.effects].sort(), [...core.player.effects].sort())
        // The pipeline applies effects in the catalogue's order, so the set is what matters.
        assert.deepStrictEqual([...off.core.player.effects].sort(), [...core.player.effects].sort())
      })
    )
  })

  it("counts each listener's skip vote once, per entry, and skips when enough agree", () => {
    const core = playing("a", "b")
    const first = transition(core, new Cmd.VoteSkip({ needed: 2, requester: user }), ctx())
    assert.deepStrictEqual({ ...ok(first), entry: undefined }, { _tag: "Voted", entry: undefined, votes: 1, needed: 2 })
    const again = transition(first.core, new Cmd.VoteSkip({ needed: 2, requester: user }), ctx())
    const counted = ok(again)
    assert.strictEqual(counted._tag === "Voted" ? counted.votes : 0, 1)
    const passed = ok(transition(again.core, new Cmd.VoteSkip({ needed: 2, requester: other }), ctx()))
    assert.strictEqual(passed._tag, "Skipped")
    assert.strictEqual(passed._tag === "Skipped" ? passed.now?.track.title : null, "b")
    // A new entry starts a new ballot: the earlier voter counts again, alone.
    const next = transition(transition(core, new Cmd.VoteSkip({ needed: 3, requester: third }), ctx()).core,
      new Cmd.Skip({ count: 1, requester: user }), ctx())
    const fresh = ok(transition(next.core, new Cmd.VoteSkip({ needed: 3, requester: third }), ctx()))
    assert.strictEqual(fresh._tag === "Voted" ? fresh.votes : 0, 1)
  })

  it("cycles the loop mode, sets presets, and keeps the first announce channel", () => {
    let core = playing("a")
    const modes = []
    for (let i = 0; i < 4; i++) {
      const o = transition(core, new Cmd.CycleLoop({ requester: user }), ctx())
      modes.push(ok(o).mode)
      core = o.core
    }
    assert.deepStrictEqual(modes, ["track", "queue", "off", "track"])
    const eq = ok(transition(core, new Cmd.SetEqualizer({ preset: "rock", requester: user }), ctx()))
    assert.deepStrictEqual(eq.equalizer, [...EQ_PRESETS.rock])
    const general = ChannelId.make("400000000000000001")
    const music = ChannelId.make("400000000000000002")
    const announced = transition(start, new Cmd.Enqueue({ ...enqueue("a"), announceIn: general }), ctx()).core
    const later = transition(announced, new Cmd.Enqueue({ ...enqueue("b"), announceIn: music }), ctx()).core
    assert.strictEqual(later.player.textChannelId, general)
  })

  it("recovers from a crash: keeps a run of the current entry, restarts otherwise, never reuses a run id", () => {
    const good = playing("a", "b")
    const kept = recover(good, good.run, 9, 5_000)
    assert.deepStrictEqual(kept.work, [])
    assert.deepStrictEqual(kept.core.run, good.run)
    assert.strictEqual(kept.core.nextRunId, 10)
    const lost = recover(good, null, 9, 5_000)
    assert.strictEqual(lost.work.length, 1)
    const play = lost.work[0]
    assert.strictEqual(play?._tag === "Play" && play.runId, 10)
    assert.strictEqual(play?._tag === "Play" && play.entry.entryId, good.player.queue.current?.entryId)
    const paused = transition(good, new Cmd.Pause({ requester: user }), ctx({ positionMs: 1_200 })).core
    const stopped = recover(paused, good.run, 1, 5_000)
    assert.deepStrictEqual(stopped.work, [{ _tag: "Stop" }])
    assert.isNull(stopped.core.run)
  })
})
