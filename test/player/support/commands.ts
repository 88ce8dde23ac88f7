/** Commands for property tests: any sequence a guild could send its player, reports included. */
import fc from "fast-check"
import { UserId } from "../../../schema/Ids.ts"
import * as Cmd from "../../../schema/PlayerCommand.ts"
import { initialPlayerState } from "../../../schema/PlayerState.ts"
import { type Context, type Core, initialCore, type Outcome } from "../../../src/player/Plan.ts"
import type * as Q from "../../../src/player/Queue.ts"
import { transition } from "../../../src/player/Transition.ts"
import { guildA, track, user } from "./tracks.ts"

export const settings: Q.QueueSettings = { maxQueueSize: 20, allowDuplicates: true, historySize: 10 }
export const other = UserId.make("200000000000000002")

export const ctx = (over: Partial<Context> = {}): Context => ({ nowMs: 1_000, positionMs: 0, seed: 7, settings, ...over })
export const start = initialCore(initialPlayerState(guildA))

export const enqueue = (...names: ReadonlyArray<string>) =>
  new Cmd.Enqueue({
    tracks: [track(names[0]!, { durationMs: 60_000 }), ...names.slice(1).map((n) => track(n, { durationMs: 60_000 }))],
    position: "end",
    requester: user
  })

/** A command for the core it is applied to: playback reports name the current run, or a stale one. */
export type Step = (core: Core) => Cmd.UserCommand | Cmd.PlaybackReport

export const steps: fc.Arbitrary<Step> = fc.oneof(
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
    new Cmd.TrackAudible({ runId: stale || c.run === null ? c.nextRunId + 5 : c.run.runId })
  ),
  fc.boolean().map((stale): Step => (c) =>
    new Cmd.TrackEnded({ runId: stale || c.run === null ? c.nextRunId + 5 : c.run.runId })
  ),
  fc.boolean().map((stale): Step => (c) =>
    new Cmd.TrackFailed({ runId: stale || c.run === null ? c.nextRunId + 5 : c.run.runId, reason: "x", detail: "" })
  ),
  fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 70_000 })).map(([stale, startMs]): Step => (c) =>
    new Cmd.SegmentReached({
      runId: stale || c.run === null ? c.nextRunId + 5 : c.run.runId,
      segment: { startMs, endMs: startMs + 5_000, category: "music_offtopic" }
    })
  )
)

/** Applies each step with a clock that moves on and a position the run has reached. */
export const run = (script: ReadonlyArray<Step>, each: (before: Core, command: Cmd.PlayerCommand, outcome: Outcome<unknown>) => void) =>
  script.reduce((core, step, i) => {
    const command = step(core)
    const positionMs = core.run === null ? core.player.position.ms : core.player.position.ms + 500
    const outcome = transition(core, command, ctx({ nowMs: 1_000 + i * 500, positionMs, seed: i }))
    each(core, command, outcome)
    return outcome.core
  }, start)
