import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { ChannelId, UserId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { Snapshot, SnapshotJson } from "../../schema/Snapshot.ts"
import { Schema } from "effect"
import { EQ_PRESETS } from "../../src/audio/EffectCatalog.ts"
import { type Core, type Outcome, type Prepared, samePrepared, sameSound } from "../../src/player/Plan.ts"
import { recover, transition, upNext } from "../../src/player/Transition.ts"
import { ctx, enqueue, other, run, settings, start, steps } from "./support/commands.ts"
import { track, user } from "./support/tracks.ts"
import { Track } from "../../schema/Track.ts"

const third = UserId.make("200000000000000003")

const ok = <A>(outcome: Outcome<A>): A => {
  if (Result.isFailure(outcome.reply)) throw new Error(`refused: ${outcome.reply.failure.message}`)
  return outcome.reply.success
}

/** A core with `names` queued and the first one playing. */
const playing = (...names: ReadonlyArray<string>): Core => transition(start, enqueue(...names), ctx()).core

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
          const stale = (command._tag === "TrackAudible" || command._tag === "TrackEnded" || command._tag === "TrackFailed") &&
            command.runId !== before.run?.runId
          if (stale) {
            assert.strictEqual(outcome.core, before)
            assert.deepStrictEqual(outcome.work, [])
          }
        })
      })
    )
  })

  it("keeps playback's prepared run on what plays next: a stale one is dropped, a used one asked for again", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 40 }), (script) => {
        // What playback holds after carrying out the work in order.
        let held: Prepared | null = null
        run(script, (_, __, outcome) => {
          for (const work of outcome.work) {
            if (work._tag === "Prepare") held = work.next
            const uses = work._tag === "Play" && held !== null && work.startMs === 0 &&
              work.entry.entryId === held.entry.entryId && sameSound(work.sound, held.sound)
            if (uses) held = null
          }
          const expected = upNext(outcome.core, settings)
          assert.isTrue(samePrepared(held, expected), `holds ${held?.entry.entryId}, next is ${expected?.entry.entryId}`)
          assert.isTrue(samePrepared(outcome.core.prepared, expected))
        })
      })
    )
  })

  it("prepares the next entry with the sound it will have, and nothing while paused or at the end", () => {
    const prepares = (o: Outcome<unknown>) => o.work.flatMap((w) => w._tag === "Prepare" ? [w.next] : [])
    const first = transition(start, enqueue("a", "b", "c"), ctx())
    assert.deepStrictEqual(prepares(first).map((p) => p?.entry.track.title), ["b"])
    const moved = transition(first.core, new Cmd.Move({ from: 2, to: 1, requester: user }), ctx())
    assert.deepStrictEqual(prepares(moved).map((p) => p?.entry.track.title), ["c"])
    const quieter = transition(moved.core, new Cmd.SetVolume({ volume: 40, requester: user }), ctx())
    assert.deepStrictEqual(prepares(quieter).map((p) => [p?.entry.track.title, p?.sound.volume]), [["c", 40]])
    const paused = transition(quieter.core, new Cmd.Pause({ requester: user }), ctx())
    assert.deepStrictEqual(prepares(paused), [null])
    const resumed = transition(paused.core, new Cmd.Resume({ requester: user }), ctx())
    const ended = transition(resumed.core, new Cmd.TrackEnded({ runId: resumed.core.run!.runId }), ctx())
    const play = ended.work.find((w) => w._tag === "Play")
    assert.isTrue(play?._tag === "Play" && play.entry.track.title === "c" && play.startMs === 0)
    assert.deepStrictEqual(prepares(ended).map((p) => p?.entry.track.title), ["b"])
    const last = transition(ended.core, new Cmd.Remove({ position: 1, requester: user }), ctx())
    assert.deepStrictEqual(prepares(last), [null])
    const looped = transition(last.core, new Cmd.SetLoop({ mode: "track", requester: user }), ctx())
    assert.deepStrictEqual(prepares(looped).map((p) => p?.entry.track.title), ["c"])
  })

  it("says a track is heard once per start, for the entry that started, when its current run's first packet is out", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 40 }), (script) => {
        // The entry that started and was not announced as heard since.
        let awaited: number | null = null
        run(script, (before, command, outcome) => {
          for (const work of outcome.work) {
            if (work._tag !== "Publish") continue
            const event = work.event
            if (event._tag === "TrackStarted") awaited = event.entry.entryId
            if (event._tag === "TrackAudible") {
              assert.strictEqual(command._tag, "TrackAudible")
              assert.strictEqual(event.entry.entryId, awaited, "only the entry that started, and only once")
              awaited = null
            }
          }
          if (command._tag === "TrackAudible" && command.runId === before.run?.runId &&
            before.player.queue.current?.entryId === awaited) {
            assert.isTrue(outcome.work.some((w) => w._tag === "Publish" && w.event._tag === "TrackAudible"))
          }
        })
      })
    )
  })

  it("a track whose sound changed before it was heard is announced by the run that replaced it", () => {
    const started = playing("a")
    const louder = transition(started, new Cmd.SetVolume({ volume: 50, requester: user }), ctx())
    const first = started.run!.runId
    assert.deepStrictEqual(transition(louder.core, new Cmd.TrackAudible({ runId: first }), ctx()).work, [], "stale run")
    const heard = transition(louder.core, new Cmd.TrackAudible({ runId: louder.core.run!.runId }), ctx())
    assert.deepStrictEqual(heard.work.map((w) => w._tag === "Publish" ? w.event._tag : w._tag), ["TrackAudible"])
    const again = transition(heard.core, new Cmd.TrackAudible({ runId: louder.core.run!.runId }), ctx())
    assert.deepStrictEqual(again.work, [], "once")
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
    assert.deepStrictEqual({ ...ok(first), entry: undefined }, { _tag: "Voted", entry: undefined, votes: 1, needed: 2, repeated: false })
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

  it("says when a listener votes to skip again: the vote is not counted twice, and they are told", () => {
    const first = transition(playing("a", "b"), new Cmd.VoteSkip({ needed: 2, requester: user }), ctx())
    const vote = ok(first)
    assert.isFalse(vote._tag === "Voted" && vote.repeated)
    const again = ok(transition(first.core, new Cmd.VoteSkip({ needed: 2, requester: user }), ctx()))
    assert.deepStrictEqual(again._tag === "Voted" ? [again.votes, again.needed, again.repeated] : [], [1, 2, true])
    const other_ = ok(transition(playing("a", "b"), new Cmd.VoteSkip({ needed: 3, requester: other }), ctx()))
    assert.isFalse(other_._tag === "Voted" && other_.repeated)
  })

  it("loops the current track only when there is one; off and queue need none", () => {
    const idle = transition(start, new Cmd.SetLoop({ mode: "track", requester: user }), ctx())
    assert.isTrue(Result.isFailure(idle.reply))
    assert.strictEqual(Result.isFailure(idle.reply) ? idle.reply.failure._tag : null, "NothingPlaying")
    assert.strictEqual(idle.core, start)
    assert.strictEqual(ok(transition(start, new Cmd.SetLoop({ mode: "queue", requester: user }), ctx())).mode, "queue")
    assert.strictEqual(ok(transition(start, new Cmd.SetLoop({ mode: "off", requester: user }), ctx())).mode, "off")
    assert.strictEqual(ok(transition(playing("a"), new Cmd.SetLoop({ mode: "track", requester: user }), ctx())).mode, "track")
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
    // Only what is prepared is told again: it may come from the command that crashed.
    assert.deepStrictEqual(kept.work.map((w) => w._tag), ["Prepare"])
    assert.isTrue(samePrepared(kept.core.prepared, upNext(good, settings)))
    assert.deepStrictEqual(kept.core.run, good.run)
    assert.strictEqual(kept.core.nextRunId, 10)
    const lost = recover(good, null, 9, 5_000)
    assert.deepStrictEqual(lost.work.map((w) => w._tag), ["Play", "Prepare"])
    const play = lost.work[0]
    assert.strictEqual(play?._tag === "Play" && play.runId, 10)
    assert.strictEqual(play?._tag === "Play" && play.entry.entryId, good.player.queue.current?.entryId)
    const paused = transition(good, new Cmd.Pause({ requester: user }), ctx({ positionMs: 1_200 })).core
    const stopped = recover(paused, good.run, 1, 5_000)
    assert.deepStrictEqual(stopped.work, [{ _tag: "Stop" }, { _tag: "Prepare", next: null }])
    assert.isNull(stopped.core.run)
  })

  it("a fresh player restores a snapshot: same queue, sound and position, paused or playing as it was", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 30 }), fc.integer({ min: 0, max: 59_000 }), fc.boolean(), (script, at, paused) => {
        const before = run(script, () => {})
        const current = before.player.queue.current
        const restored = transition(start, new Cmd.Restore({ state: before.player, positionMs: at, paused, requester: user }), ctx())
        const after = restored.core.player
        assert.deepStrictEqual(after.queue, before.player.queue)
        assert.deepStrictEqual([after.volume, after.effects, after.equalizer], [before.player.volume, before.player.effects, before.player.equalizer])
        const plays = restored.work.filter((w) => w._tag === "Play")
        if (current === null) {
          assert.lengthOf(plays, 0)
          return
        }
        assert.strictEqual(after.paused, paused)
        assert.strictEqual(after.position.ms, at)
        if (paused) assert.lengthOf(plays, 0)
        else assert.deepStrictEqual(plays.map((w) => w._tag === "Play" ? [w.entry.entryId, w.startMs] : []), [[current.entryId, at]])
        // A player that already has music keeps it.
        const busy = transition(before, new Cmd.Restore({ state: before.player, positionMs: at, paused, requester: user }), ctx())
        assert.isFalse(ok(busy).restored)
        assert.strictEqual(busy.core, before)
      })
    )
  })

  it("every reachable state survives a snapshot's round trip through JSON", () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 40 }), fc.nat(), (script, positionMs) => {
        const core = run(script, () => {})
        const snapshot: Snapshot = { version: 1, state: core.player, voiceChannelId: null, positionMs, takenAtMs: 1_700_000_000_000 }
        const text = Schema.encodeSync(SnapshotJson)(snapshot)
        assert.deepStrictEqual(Schema.decodeUnknownSync(SnapshotJson)(text), snapshot)
      })
    )
  })

  it("a track whose audio process died goes on from where it was, three times a minute at most", () => {
    let core = playing("a", "b")
    const died = (at: number) =>
      new Cmd.TrackFailed({ runId: core.run!.runId, reason: "the audio process stopped unexpectedly", detail: "", resumeAtMs: at })
    for (let i = 1; i <= 3; i++) {
      const o = transition(core, died(i * 1_000), ctx({ nowMs: 2_000 + i }))
      const play = o.work.find((w) => w._tag === "Play")
      assert.strictEqual(play?._tag === "Play" && play.entry.track.title, "a", `recovery ${i} plays the same track`)
      assert.strictEqual(play?._tag === "Play" && play.startMs, i * 1_000)
      assert.isFalse(o.work.some((w) => w._tag === "Publish" && w.event._tag === "TrackFailed"))
      core = o.core
    }
    const fourth = transition(core, died(4_000), ctx({ nowMs: 2_010 }))
    assert.isTrue(fourth.work.some((w) => w._tag === "Publish" && w.event._tag === "TrackFailed"), "the fourth time it is given up")
    assert.strictEqual(fourth.core.player.queue.current?.track.title, "b")
    // A minute later the count starts again.
    const later = transition(core, died(4_000), ctx({ nowMs: 70_000 }))
    assert.isFalse(later.work.some((w) => w._tag === "Publish" && w.event._tag === "TrackFailed"))
  })

  it("a duration the run learns fills the track, is published, and lets /seek in; stale or second ones change nothing", () => {
    const unknown = new Track({ ...track("episode"), durationMs: null })
    let core = transition(start, new Cmd.Enqueue({ tracks: [unknown], position: "end", requester: user }), ctx()).core
    const seek = new Cmd.Seek({ positionMs: 30_000, requester: user })
    assert.isTrue(Result.isFailure(transition(core, seek, ctx()).reply), "no duration: refused as live")
    const stale = transition(core, new Cmd.DurationFound({ runId: core.run!.runId + 1, durationMs: 90_000 }), ctx())
    assert.strictEqual(stale.core, core)
    assert.deepStrictEqual(stale.work, [])
    const found = transition(core, new Cmd.DurationFound({ runId: core.run!.runId, durationMs: 90_000 }), ctx())
    assert.strictEqual(found.core.player.queue.current?.track.durationMs, 90_000)
    const event = found.work.find((w) => w._tag === "Publish" && w.event._tag === "DurationFound")
    assert.isTrue(event?._tag === "Publish" && event.event._tag === "DurationFound" && event.event.entry.track.durationMs === 90_000)
    assert.isFalse(found.work.some((w) => w._tag === "Play" || w._tag === "Stop"), "the sound goes on untouched")
    core = found.core
    assert.strictEqual(ok(transition(core, seek, ctx())).positionMs, 30_000)
    const again = transition(core, new Cmd.DurationFound({ runId: core.run!.runId, durationMs: 10_000 }), ctx())
    assert.strictEqual(again.core.player.queue.current?.track.durationMs, 90_000, "a known duration is kept")
    assert.deepStrictEqual(again.work, [])
  })
})
