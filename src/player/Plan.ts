/**
 * The vocabulary of the player's decisions: its state (`Core`), what the loop tells a decision
 * (`Context`), the playback work a decision asks for (`Work`), and `Plan`, the builder the
 * transition uses to change state and queue work in one place.
 */
import { Result } from "effect"
import type { EffectName, Equalizer, Volume } from "../../schema/Effects.ts"
import type { UserId } from "../../schema/Ids.ts"
import type { PlayerErrorReason } from "../../schema/PlayerError.ts"
import * as Ev from "../../schema/PlayerEvent.ts"
import type { PlayerState, QueueEntry } from "../../schema/PlayerState.ts"
import type * as Q from "./Queue.ts"

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

/** How often the current entry's audio process died lately: a track that keeps killing it is given up. */
export interface Recovery {
  readonly entryId: number
  readonly count: number
  readonly sinceMs: number
}

/** Everything the player decides over: the published state plus what only the player sees. */
export interface Core {
  readonly player: PlayerState
  readonly run: ActiveRun | null
  readonly nextRunId: number
  readonly ballot: Ballot | null
  readonly recovery: Recovery | null
  /** The entry that started and whose first packet is awaited, to announce it once heard. */
  readonly unheard: number | null
  /** What playback was last asked to prepare: the entry that plays next, with the sound it will have. */
  readonly prepared: Prepared | null
}

export const initialCore = (player: PlayerState): Core => ({
  player,
  run: null,
  nextRunId: 1,
  ballot: null,
  recovery: null,
  unheard: null,
  prepared: null
})

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

/** The entry expected to play when the current run ends, from the start, with this sound. */
export interface Prepared {
  readonly entry: QueueEntry
  readonly sound: Sound
}

export const soundOf = ({ volume, effects, equalizer, normalize }: PlayerState): Sound => ({
  volume,
  effects,
  equalizer,
  normalize
})

const sameItems = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>) => a.length === b.length && a.every((x, i) => x === b[i])

export const sameSound = (a: Sound, b: Sound): boolean =>
  a.volume === b.volume && a.normalize === b.normalize && sameItems(a.effects, b.effects) &&
  sameItems(a.equalizer, b.equalizer)

export const samePrepared = (a: Prepared | null, b: Prepared | null): boolean =>
  a === null || b === null ? a === b : a.entry.entryId === b.entry.entryId && sameSound(a.sound, b.sound)

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
  /**
   * Open `next` ahead of the current run's end so it follows without a gap, or drop what was
   * prepared (`null`). Only a `Play` of the same entry from 0:00 with the same sound uses it.
   */
  | { readonly _tag: "Prepare"; readonly next: Prepared | null }
  | { readonly _tag: "Publish"; readonly event: Ev.PlayerEvent }

/** The outcome of one command: the answer, or the reason it was refused (then state and work are unchanged). */
export interface Outcome<A> {
  readonly core: Core
  readonly work: ReadonlyArray<Work>
  readonly reply: Result.Result<A, PlayerErrorReason>
}

export const refuse = <A>(core: Core, reason: PlayerErrorReason): Outcome<A> => ({
  core,
  work: [],
  reply: Result.fail(reason)
})

/** A state change followed by its work and answer, built step by step. */
export class Plan {
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
    this.work.push({ _tag: "Play", runId, entry, startMs, handover, sound: soundOf(this.core.player) })
    // A run may use up what was prepared: what follows it is asked for afresh.
    this.core = { ...this.core, run: { runId, entryId: entry.entryId }, nextRunId: runId + 1, prepared: null }
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
      .started(next, 0)
  }

  /** Announces that `entry` starts; its first packet out will announce that it is heard. */
  started(entry: QueueEntry, startMs: number): this {
    this.core = { ...this.core, unheard: entry.entryId }
    return this.publish(new Ev.TrackStarted({ guildId: this.state.guildId, entry, startMs }))
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
    const atMs = Math.max(0, Math.round(this.ctx.positionMs))
    return entry === null ? this : this.publish(new Ev.TrackEnded({ guildId: this.state.guildId, entry, reason, atMs }))
  }

  done<A>(value: A): Outcome<A> {
    return { core: this.core, work: this.work, reply: Result.succeed(value) }
  }
}
