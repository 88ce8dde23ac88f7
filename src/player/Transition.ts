/**
 * Every decision a guild player makes, as one pure function: the player's state and a command
 * in, the next state, the playback work to do and the answer out. No Effect, no clock, no I/O:
 * the caller supplies the time, the live position and a random seed, and the player's loop
 * (GuildPlayer.ts) carries out the work in the order given. Property-tested like the queue.
 */
import { Result } from "effect"
import type { EffectName, Equalizer, Volume } from "../../schema/Effects.ts"
import type { UserId } from "../../schema/Ids.ts"
import type * as Cmd from "../../schema/PlayerCommand.ts"
import {
  AlreadyPaused,
  NothingPlaying,
  NotPaused,
  type PlayerErrorReason,
  SeekOutOfRange
} from "../../schema/PlayerError.ts"
import * as Ev from "../../schema/PlayerEvent.ts"
import type { ReplyOf } from "../../schema/PlayerReply.ts"
import type { LoopMode, PlayerState, QueueEntry } from "../../schema/PlayerState.ts"
import { EQ_PRESETS } from "../audio/EffectCatalog.ts"
import * as Q from "./Queue.ts"

/** The run of a pipeline the player considers current; reports from any other run are stale. */
export interface ActiveRun {
  readonly runId: number
  readonly entryId: number
}

/** Skip votes for one entry; a new entry starts a new ballot. */
export interface Ballot {
  readonly entryId: number
  readonly voters: ReadonlyArray<UserId>
}

/** Everything the player decides over: the published state plus what only the player sees. */
export interface Core {
  readonly player: PlayerState
  readonly run: ActiveRun | null
  readonly nextRunId: number
  readonly ballot: Ballot | null
}

export const initialCore = (player: PlayerState): Core => ({ player, run: null, nextRunId: 1, ballot: null })

/** What the player's loop knows that the function cannot compute. */
export interface Context {
  readonly nowMs: number
  /** Where the current run has got to (counted in packets sent), or the stored position when none runs. */
  readonly positionMs: number
  /** For shuffles. */
  readonly seed: number
  readonly settings: Q.QueueSettings
}

/** How a sound change hands over from the run that plays to the new one. */
export type Handover = "none" | "jump" | "align"

export interface Sound {
  readonly volume: Volume
  readonly effects: ReadonlyArray<EffectName>
  readonly equalizer: Equalizer
  readonly normalize: boolean
}

/** Work for the playback part, in order. */
export type Work =
  | {
    readonly _tag: "Play"
    readonly runId: number
    readonly entry: QueueEntry
    readonly startMs: number
    readonly sound: Sound
    /**
     * `none`: stop what plays first; `jump`: keep it until the new run has sound; `align`: the same,
     * and the new run skips what the old one played meanwhile (a sound change heard seamlessly).
     */
    readonly handover: Handover
  }
  | { readonly _tag: "Stop" }
  | { readonly _tag: "Publish"; readonly event: Ev.PlayerEvent }

/** The outcome of one command: the answer, or the reason it was refused (then state and work are unchanged). */
export interface Outcome<A> {
  readonly core: Core
  readonly work: ReadonlyArray<Work>
  readonly reply: Result.Result<A, PlayerErrorReason>
}

type Handled = Cmd.UserCommand | Cmd.PlaybackReport
type ReplyTo<C extends Handled> = C extends Cmd.UserCommand ? ReplyOf<C> : undefined

const refuse = <A>(core: Core, reason: PlayerErrorReason): Outcome<A> => ({
  core,
  work: [],
  reply: Result.fail(reason)
})

/** A state change followed by its work and answer, built step by step. */
class Plan {
  readonly work: Array<Work> = []
  core: Core
  readonly ctx: Context
  constructor(core: Core, ctx: Context) {
    this.core = core
    this.ctx = ctx
  }

  get state(): PlayerState {
    return this.core.player
  }

  set(player: Partial<PlayerState>): this {
    this.core = { ...this.core, player: { ...this.core.player, ...player } }
    return this
  }

  publish(event: Ev.PlayerEvent): this {
    this.work.push({ _tag: "Publish", event })
    return this
  }

  stop(): this {
    if (this.core.run !== null) this.work.push({ _tag: "Stop" })
    this.core = { ...this.core, run: null }
    return this
  }

  play(entry: QueueEntry, startMs: number, handover: Handover): this {
    const runId = this.core.nextRunId
    const { volume, effects, equalizer, normalize } = this.core.player
    this.work.push({ _tag: "Play", runId, entry, startMs, handover, sound: { volume, effects, equalizer, normalize } })
    this.core = { ...this.core, run: { runId, entryId: entry.entryId }, nextRunId: runId + 1 }
    return this
  }

  /** Makes `next` current and plays it from the start, or goes idle when there is none. */
  playOrIdle(next: QueueEntry | null): this {
    const guildId = this.state.guildId
    if (next === null) {
      return this.stop()
        .set({ paused: false, position: { ms: 0, atMs: this.ctx.nowMs, playing: false } })
        .publish(new Ev.Idle({ guildId }))
    }
    return this.set({ paused: false, position: { ms: 0, atMs: this.ctx.nowMs, playing: true } })
      .play(next, 0, "none")
      .publish(new Ev.TrackStarted({ guildId, entry: next, startMs: 0 }))
  }

  /** Plays the current entry again from `startMs` with the state's sound (seek, volume, effects, resume). */
  restart(startMs: number, handover: "jump" | "align"): this {
    const current = this.state.queue.current
    const audible = current !== null && !this.state.paused
    this.set({ position: { ms: startMs, atMs: this.ctx.nowMs, playing: audible } })
    return audible ? this.play(current, startMs, handover) : this
  }

  queueChanged(): this {
    const { guildId, queue } = this.state
    return this.publish(new Ev.QueueChanged({ guildId, size: queue.upcoming.length, loop: queue.loop }))
  }

  left(entry: QueueEntry | null, reason: "finished" | "skipped" | "stopped"): this {
    return entry === null ? this : this.publish(new Ev.TrackEnded({ guildId: this.state.guildId, entry, reason }))
  }

  done<A>(value: A): Outcome<A> {
    return { core: this.core, work: this.work, reply: Result.succeed(value) }
  }
}

const nextLoop: Record<LoopMode, LoopMode> = { off: "track", track: "queue", queue: "off" }

const skipTo = (plan: Plan, r: Q.Skipped) =>
  plan.left(plan.state.queue.current, "skipped").set({ queue: r.state }).playOrIdle(r.next).queueChanged()

const pause = (plan: Plan) => {
  const positionMs = plan.ctx.positionMs
  plan.stop()
    .set({ paused: true, position: { ms: positionMs, atMs: plan.ctx.nowMs, playing: false } })
    .publish(new Ev.Paused({ guildId: plan.state.guildId, positionMs }))
  return positionMs
}

const resume = (plan: Plan) => {
  const positionMs = plan.state.position.ms
  plan.set({ paused: false }).restart(positionMs, "jump").publish(new Ev.Resumed({ guildId: plan.state.guildId, positionMs }))
  return positionMs
}

const changeSound = (plan: Plan, sound: Partial<Sound>) => {
  plan.set(sound).restart(plan.ctx.positionMs, "align")
  const { effects, equalizer, guildId, normalize } = plan.state
  plan.publish(new Ev.EffectsChanged({ guildId, effects, equalizer, normalize }))
  return plan.done({ effects, equalizer, normalize })
}

const ended = (plan: Plan, command: Cmd.PlaybackReport): Outcome<undefined> => {
  const { queue, guildId } = plan.state
  const run = plan.core.run
  // A report from a run that was since replaced or stopped says nothing about now.
  if (run === null || run.runId !== command.runId || queue.current === null) return plan.done(undefined)
  const entry = queue.current
  if (command._tag === "TrackFailed") plan.publish(new Ev.TrackFailed({ guildId, entry, reason: command.reason }))
  else plan.left(entry, "finished")
  const r = Q.advance(queue, command._tag === "TrackFailed" ? "failed" : "finished", plan.ctx.settings)
  plan.set({ queue: r.state }).playOrIdle(r.next)
  if (r.state.upcoming.length !== queue.upcoming.length) plan.queueChanged()
  return plan.done(undefined)
}

/** Decides one command. Never throws for any state and command the schemas admit. */
export const transition = <C extends Handled>(core: Core, command: C, ctx: Context): Outcome<ReplyTo<C>> =>
  decide(core, command, ctx) as Outcome<ReplyTo<C>>

const decide = (core: Core, command: Handled, ctx: Context): Outcome<unknown> => {
  const plan = new Plan(core, ctx)
  const s = core.player
  const q = s.queue
  const settings = ctx.settings
  switch (command._tag) {
    case "Enqueue": {
      const r = Q.enqueue(q, command.tracks, command.position, settings)
      if (r._tag === "Failure") return refuse(core, r.failure)
      const wasEmpty = q.current === null
      const started = Q.startNext(r.success.state)
      plan.set({ queue: started.state, textChannelId: s.textChannelId ?? command.announceIn ?? null })
      if (wasEmpty) plan.playOrIdle(started.next)
      plan.queueChanged()
      return plan.done({
        added: r.success.added,
        // The first added entry may have gone straight to "now playing".
        position: wasEmpty ? r.success.index : r.success.index + 1,
        duplicates: r.success.duplicates,
        duplicatesAllowed: settings.allowDuplicates
      } satisfies ReplyOf<Cmd.Enqueue>)
    }
    case "Skip":
    case "SkipTo": {
      const r = command._tag === "Skip" ? Q.skip(q, command.count, settings) : Q.skipTo(q, command.position, settings)
      if (r._tag === "Failure") return refuse(core, r.failure)
      return skipTo(plan, r.success).done({ skipped: r.success.skipped, now: r.success.next } satisfies ReplyOf<Cmd.Skip>)
    }
    case "VoteSkip": {
      const current = q.current
      if (current === null) return refuse(core, new NothingPlaying())
      const previous = core.ballot?.entryId === current.entryId ? core.ballot.voters : []
      const voters = previous.includes(command.requester) ? previous : [...previous, command.requester]
      if (voters.length < command.needed) {
        plan.core = { ...plan.core, ballot: { entryId: current.entryId, voters } }
        return plan.done({ _tag: "Voted", entry: current, votes: voters.length, needed: command.needed } as const)
      }
      const r = Q.skip(q, 1, settings)
      if (r._tag === "Failure") return refuse(core, r.failure)
      plan.core = { ...plan.core, ballot: null }
      return skipTo(plan, r.success).done({ _tag: "Skipped", skipped: r.success.skipped, now: r.success.next } as const)
    }
    case "Previous": {
      const r = Q.previous(q)
      if (r._tag === "Failure") return refuse(core, r.failure)
      plan.left(q.current, "skipped").set({ queue: r.success.state }).playOrIdle(r.success.next).queueChanged()
      return plan.done({ now: r.success.next } satisfies ReplyOf<Cmd.Previous>)
    }
    case "Seek": {
      const current = q.current
      if (current === null) return refuse(core, new NothingPlaying())
      const duration = current.track.durationMs
      if (duration === null || command.positionMs > duration) {
        return refuse(core, new SeekOutOfRange({ positionMs: command.positionMs, durationMs: duration }))
      }
      plan.restart(command.positionMs, "jump").publish(new Ev.Seeked({ guildId: s.guildId, positionMs: command.positionMs }))
      return plan.done({ positionMs: command.positionMs } satisfies ReplyOf<Cmd.Seek>)
    }
    case "Pause":
      if (q.current === null) return refuse(core, new NothingPlaying())
      if (s.paused) return refuse(core, new AlreadyPaused())
      return plan.done({ positionMs: pause(plan) } satisfies ReplyOf<Cmd.Pause>)
    case "Resume":
      if (q.current === null) return refuse(core, new NothingPlaying())
      if (!s.paused) return refuse(core, new NotPaused())
      return plan.done({ positionMs: resume(plan) } satisfies ReplyOf<Cmd.Resume>)
    case "TogglePause": {
      if (q.current === null) return refuse(core, new NothingPlaying())
      const positionMs = s.paused ? resume(plan) : pause(plan)
      return plan.done({ paused: !s.paused, positionMs } satisfies ReplyOf<Cmd.TogglePause>)
    }
    case "Stop": {
      const r = Q.stop(q, settings)
      plan.left(q.current, "stopped").set({ queue: r.state }).playOrIdle(null).queueChanged()
      return plan.done({ count: r.removed.length } satisfies ReplyOf<Cmd.Stop>)
    }
    case "Remove": {
      const r = Q.remove(q, command.position, command.to)
      if (r._tag === "Failure") return refuse(core, r.failure)
      plan.set({ queue: r.success.state }).queueChanged()
      return plan.done({ removed: r.success.removed } satisfies ReplyOf<Cmd.Remove>)
    }
    case "Move": {
      const r = Q.move(q, command.from, command.to)
      if (r._tag === "Failure") return refuse(core, r.failure)
      plan.set({ queue: r.success.state }).queueChanged()
      return plan.done({ entry: r.success.entry, from: command.from, to: command.to } satisfies ReplyOf<Cmd.Move>)
    }
    case "Shuffle":
      plan.set({ queue: Q.shuffle(q, ctx.seed) }).queueChanged()
      return plan.done({ count: q.upcoming.length } satisfies ReplyOf<Cmd.Shuffle>)
    case "Clear": {
      const r = Q.clear(q)
      plan.set({ queue: r.state }).queueChanged()
      return plan.done({ count: r.removed.length } satisfies ReplyOf<Cmd.Clear>)
    }
    case "SetLoop":
    case "CycleLoop": {
      const mode = command._tag === "SetLoop" ? command.mode : nextLoop[q.loop]
      plan.set({ queue: Q.setLoop(q, mode) }).queueChanged()
      return plan.done({ mode } satisfies ReplyOf<Cmd.SetLoop>)
    }
    case "SetVolume":
      plan.set({ volume: command.volume }).restart(ctx.positionMs, "align")
        .publish(new Ev.VolumeChanged({ guildId: s.guildId, volume: command.volume }))
      return plan.done({ volume: command.volume } satisfies ReplyOf<Cmd.SetVolume>)
    case "SetEffects":
      return changeSound(plan, { effects: command.effects })
    case "ToggleEffect":
      return changeSound(plan, {
        effects: s.effects.includes(command.effect)
          ? s.effects.filter((e) => e !== command.effect)
          : [...s.effects, command.effect]
      })
    case "SetEqualizer":
      return changeSound(plan, { equalizer: [...EQ_PRESETS[command.preset]] })
    case "Connect":
      // Joining voice is I/O: the player's loop does it before (and instead of) asking here.
      return plan.done({ channelId: command.channelId } satisfies ReplyOf<Cmd.Connect>)
    case "TrackEnded":
    case "TrackFailed":
      return ended(plan, command)
  }
}

/**
 * After a crash: the last good state, with playback made to agree with it. A run of the current
 * entry that still plays is kept (the crash cost no sound); otherwise the entry plays again from
 * the stored position. Run ids continue past every id ever started, so no late report matches.
 */
export const recover = (
  good: Core,
  active: ActiveRun | null,
  lastRunId: number,
  nowMs: number
): { readonly core: Core; readonly work: ReadonlyArray<Work> } => {
  const base: Core = { ...good, run: active, nextRunId: Math.max(good.nextRunId, lastRunId + 1) }
  const plan = new Plan(base, { nowMs, positionMs: good.player.position.ms, seed: 0, settings: Q.defaultQueueSettings })
  const current = good.player.queue.current
  if (current === null || good.player.paused) plan.stop()
  else if (active === null || active.entryId !== current.entryId) {
    const ms = good.player.position.ms
    plan.set({ position: { ms, atMs: nowMs, playing: true } }).play(current, ms, "none")
  }
  return { core: plan.core, work: plan.work }
}
