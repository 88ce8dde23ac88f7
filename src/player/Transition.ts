/**
 * Every decision a guild player makes, as one pure function: the player's state and a command
 * in, the next state, the playback work to do and the answer out. No Effect, no clock, no I/O:
 * the caller supplies the time, the live position and a random seed, and the player's loop
 * (GuildPlayer.ts) carries out the work in the order given. Property-tested like the queue.
 */
import { Result } from "effect"
import type * as Cmd from "../../schema/PlayerCommand.ts"
import { AlreadyPaused, NothingPlaying, NotPaused, SeekOutOfRange } from "../../schema/PlayerError.ts"
import * as Ev from "../../schema/PlayerEvent.ts"
import type { ReplyOf } from "../../schema/PlayerReply.ts"
import { type LoopMode, QueueEntry } from "../../schema/PlayerState.ts"
import { Track } from "../../schema/Track.ts"
import { EQ_PRESETS } from "../audio/EffectCatalog.ts"
import {
  type ActiveRun,
  type Context,
  type Core,
  type Outcome,
  Plan,
  type Prepared,
  refuse,
  samePrepared,
  type Sound,
  soundOf,
  type Work
} from "./Plan.ts"
import * as Q from "./Queue.ts"
import { endSlackMs } from "./Skips.ts"

type Handled = Cmd.UserCommand | Cmd.PlaybackReport
type ReplyTo<C extends Handled> = C extends Cmd.UserCommand ? ReplyOf<C> : undefined

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

/** A track whose audio process dies goes on from where it was, unless it keeps dying. */
const recoveriesPerMinute = 3

const ended = (plan: Plan, command: Cmd.TrackEnded | Cmd.TrackFailed): Outcome<undefined> => {
  const { queue, guildId } = plan.state
  const run = plan.core.run
  // A report from a run that was since replaced or stopped says nothing about now.
  if (run === null || run.runId !== command.runId || queue.current === null) return plan.done(undefined)
  const entry = queue.current
  if (command._tag === "TrackFailed" && command.resumeAtMs !== undefined) {
    const { nowMs } = plan.ctx
    const last = plan.core.recovery
    const recent = last !== null && last.entryId === entry.entryId && nowMs - last.sinceMs < 60_000 ? last : null
    if (recent === null || recent.count < recoveriesPerMinute) {
      const at = command.resumeAtMs
      plan.core = {
        ...plan.core,
        recovery: { entryId: entry.entryId, count: (recent?.count ?? 0) + 1, sinceMs: recent?.sinceMs ?? nowMs }
      }
      plan.set({ position: { ms: at, atMs: nowMs, playing: true } }).play(entry, at, "none")
      return plan.done(undefined)
    }
  }
  if (command._tag === "TrackFailed") {
    plan.publish(new Ev.TrackFailed({ guildId, entry, reason: command.reason, atMs: Math.max(0, Math.round(plan.ctx.positionMs)) }))
    return moveOn(plan, "failed")
  }
  plan.left(entry, "finished")
  return moveOn(plan, "finished")
}

/** After the current entry, told as finished or failed: what the queue plays next. */
const moveOn = (plan: Plan, how: "finished" | "failed"): Outcome<undefined> => {
  const { queue } = plan.state
  const r = Q.advance(queue, how, plan.ctx.settings)
  plan.set({ queue: r.state }).playOrIdle(r.next)
  if (r.state.upcoming.length !== queue.upcoming.length) plan.queueChanged()
  return plan.done(undefined)
}

/** The first packet of the current run is out: a track that started is heard now (once per start). */
const audible = (plan: Plan, command: Cmd.TrackAudible): Outcome<undefined> => {
  const current = plan.state.queue.current
  const run = plan.core.run
  if (run === null || run.runId !== command.runId || current === null || plan.core.unheard !== current.entryId) {
    return plan.done(undefined)
  }
  plan.core = { ...plan.core, unheard: null }
  const substitution = command.substitution === undefined ? {} : { substitution: command.substitution }
  return plan.publish(new Ev.TrackAudible({ guildId: plan.state.guildId, entry: current, ...substitution })).done(undefined)
}

/** A duration learnt by the current run fills a track that had none; one it already has is kept. */
const durationFound = (plan: Plan, command: Cmd.DurationFound): Outcome<undefined> => {
  const { queue, guildId } = plan.state
  const run = plan.core.run
  const current = queue.current
  if (run === null || run.runId !== command.runId || current === null || current.track.durationMs !== null) {
    return plan.done(undefined)
  }
  const entry = new QueueEntry({ ...current, track: new Track({ ...current.track, durationMs: command.durationMs }) })
  plan.set({ queue: { ...queue, current: entry } }).publish(new Ev.DurationFound({ guildId, entry }))
  return plan.done(undefined)
}

/**
 * The current run reached a segment the guild skips: playback goes on from its end, told to the
 * world; a segment that lasts to the track's end ends the track as if it had played out.
 */
const segmentReached = (plan: Plan, command: Cmd.SegmentReached): Outcome<undefined> => {
  const { queue, guildId } = plan.state
  const run = plan.core.run
  const current = queue.current
  if (run === null || run.runId !== command.runId || current === null) return plan.done(undefined)
  const { segment } = command
  plan.publish(new Ev.SegmentSkipped({ guildId, entry: current, segment }))
  const duration = current.track.durationMs
  if (duration !== null && segment.endMs >= duration - endSlackMs) {
    plan.left(current, "finished")
    return moveOn(plan, "finished")
  }
  plan.restart(segment.endMs, "jump")
  return plan.done(undefined)
}

/** A fresh player takes the snapshot's state; one that already has music keeps its own. */
const restore = (plan: Plan, command: Cmd.Restore): Outcome<ReplyOf<Cmd.Restore>> => {
  const { queue, guildId } = plan.state
  if (queue.current !== null || queue.upcoming.length > 0) return plan.done({ restored: false })
  const { positionMs, paused, state } = command
  const current = state.queue.current
  const playing = current !== null && !paused
  plan.set({
    ...state,
    guildId,
    paused: current !== null && paused,
    position: { ms: current === null ? 0 : positionMs, atMs: plan.ctx.nowMs, playing: false }
  })
  plan.publish(
    new Ev.Restored({ guildId, entry: current, positionMs, paused: !playing, queued: state.queue.upcoming.length })
  )
  if (playing) {
    plan.set({ position: { ms: positionMs, atMs: plan.ctx.nowMs, playing: true } }).play(current, positionMs, "none")
      .started(current, positionMs)
  }
  return plan.queueChanged().done({ restored: true })
}

/** Decides one command. Never throws for any state and command the schemas admit. */
export const transition = <C extends Handled>(core: Core, command: C, ctx: Context): Outcome<ReplyTo<C>> =>
  prepareNext(decide(core, command, ctx), ctx.settings) as Outcome<ReplyTo<C>>

/** What plays when the current run ends on its own: nothing to prepare while nothing plays. */
export const upNext = (core: Core, settings: Q.QueueSettings): Prepared | null => {
  if (core.run === null) return null
  const next = Q.advance(core.player.queue, "finished", settings).next
  return next === null ? null : { entry: next, sound: soundOf(core.player) }
}

/**
 * Keeps playback's prepared run in step with the state after every change (queue edits, loop,
 * sound, pause): a decision only says what it changes, and this says what follows from it.
 */
const prepareNext = <A>(outcome: Outcome<A>, settings: Q.QueueSettings): Outcome<A> => {
  if (Result.isFailure(outcome.reply)) return outcome
  const next = upNext(outcome.core, settings)
  if (samePrepared(next, outcome.core.prepared)) return outcome
  return {
    ...outcome,
    core: { ...outcome.core, prepared: next },
    work: [...outcome.work, { _tag: "Prepare", next }]
  }
}

const decide = (core: Core, command: Handled, ctx: Context): Outcome<unknown> => {
  const plan = new Plan(core, ctx)
  const s = core.player
  const q = s.queue
  const settings = ctx.settings
  switch (command._tag) {
    case "Enqueue": {
      const rules: Q.QueueSettings = {
        ...settings,
        maxQueueSize: Math.min(settings.maxQueueSize, command.limit ?? settings.maxQueueSize),
        allowDuplicates: command.allowDuplicates ?? settings.allowDuplicates
      }
      const r = Q.enqueue(q, command.tracks, command.position, rules)
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
        duplicatesAllowed: rules.allowDuplicates
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
      const repeated = previous.includes(command.requester)
      const voters = repeated ? previous : [...previous, command.requester]
      if (voters.length < command.needed) {
        plan.core = { ...plan.core, ballot: { entryId: current.entryId, voters } }
        return plan.done({ _tag: "Voted", entry: current, votes: voters.length, needed: command.needed, repeated } as const)
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
      // "The current track" means nothing without one; looping the queue can wait for what is queued.
      if (mode === "track" && q.current === null) return refuse(core, new NothingPlaying())
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
    case "Restore":
      return restore(plan, command)
    case "Connect":
      // Joining voice is I/O: the player's loop does it before (and instead of) asking here.
      return plan.done({ channelId: command.channelId } satisfies ReplyOf<Cmd.Connect>)
    case "TrackAudible":
      return audible(plan, command)
    case "TrackEnded":
    case "TrackFailed":
      return ended(plan, command)
    case "DurationFound":
      return durationFound(plan, command)
    case "SegmentReached":
      return segmentReached(plan, command)
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
  // What playback holds prepared may come from the command that crashed: it is told again.
  const next = upNext(plan.core, Q.defaultQueueSettings)
  plan.core = { ...plan.core, prepared: next }
  plan.work.push({ _tag: "Prepare", next })
  return { core: plan.core, work: plan.work }
}
