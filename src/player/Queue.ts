/**
 * The pure queue model: every queue command as a function from state to a new state (or a
 * typed error). No Effect, no clock, no I/O: the GuildPlayer actor applies these and runs
 * whatever the transition asks for.
 */
import { Result } from "effect"
import {
  DuplicateTrack,
  InvalidArgument,
  NothingPlaying,
  NothingToGoBack,
  PositionOutOfRange,
  QueueFull
} from "../../schema/PlayerError.ts"
import type { EnqueueAt } from "../../schema/PlayerCommand.ts"
import { EntryId, type LoopMode, QueueEntry, type QueueState } from "../../schema/PlayerState.ts"
import type { Track } from "../../schema/Track.ts"
import { shuffled } from "./Shuffle.ts"

export interface QueueSettings {
  /** Most entries `upcoming` may hold. */
  readonly maxQueueSize: number
  /** Whether a track already queued (same `Track.id`) may be added again; it is reported either way. */
  readonly allowDuplicates: boolean
  /** How many played entries `previous` can go back through. */
  readonly historySize: number
}

export const defaultQueueSettings: QueueSettings = {
  maxQueueSize: 1000,
  allowDuplicates: true,
  historySize: 50
}

/** Why the current entry is being left: a finished track obeys loop-track, a skipped or failed one does not. */
export type AdvanceReason = "finished" | "skipped" | "failed"

export interface Enqueued {
  readonly state: QueueState
  readonly added: ReadonlyArray<QueueEntry>
  /** 0-based index in `upcoming` of the first added entry. */
  readonly index: number
  readonly duplicates: ReadonlyArray<Track>
}

export interface Advanced {
  readonly state: QueueState
  /** What is current now (may be the same entry under loop-track); null when the queue ran out. */
  readonly next: QueueEntry | null
}

export interface Skipped extends Advanced {
  readonly skipped: ReadonlyArray<QueueEntry>
}

export interface Removed {
  readonly state: QueueState
  readonly removed: ReadonlyArray<QueueEntry>
}

export interface Moved {
  readonly state: QueueState
  readonly entry: QueueEntry
}

const pushHistory = (history: ReadonlyArray<QueueEntry>, entry: QueueEntry, size: number) =>
  size <= 0 ? [] : [...history, entry].slice(-size)

const outOfRange = (position: number, state: QueueState) =>
  Result.fail(new PositionOutOfRange({ position, size: state.upcoming.length }))

const validPosition = (position: number, size: number) =>
  Number.isInteger(position) && position >= 1 && position <= size

/** The 0-based index an Enqueue position means, or null when it is outside 1..size+1. */
const insertIndex = (at: EnqueueAt, size: number): number | null =>
  at === "end" ? size : at === "next" ? 0 : validPosition(at, size + 1) ? at - 1 : null

export const enqueue = (
  state: QueueState,
  tracks: ReadonlyArray<Track>,
  at: EnqueueAt,
  settings: QueueSettings
): Result.Result<Enqueued, PositionOutOfRange | DuplicateTrack | QueueFull> => {
  const index = insertIndex(at, state.upcoming.length)
  if (index === null) return outOfRange(typeof at === "number" ? at : 0, state)
  const seen = new Set<string>(state.upcoming.map((e) => e.track.id))
  if (state.current !== null) seen.add(state.current.track.id)
  const duplicates: Array<Track> = []
  const kept: Array<Track> = []
  for (const track of tracks) {
    const duplicate = seen.has(track.id)
    if (duplicate) duplicates.push(track)
    if (!duplicate || settings.allowDuplicates) kept.push(track)
    seen.add(track.id)
  }
  const firstDuplicate = duplicates[0]
  if (kept.length === 0 && firstDuplicate !== undefined) {
    return Result.fail(new DuplicateTrack({ trackId: firstDuplicate.id, title: firstDuplicate.title }))
  }
  if (state.upcoming.length + kept.length > settings.maxQueueSize) {
    return Result.fail(
      new QueueFull({ limit: settings.maxQueueSize, queued: state.upcoming.length, requested: kept.length })
    )
  }
  const added = kept.map((track, i) => new QueueEntry({ entryId: EntryId.make(state.nextEntryId + i), track }))
  const upcoming = [...state.upcoming.slice(0, index), ...added, ...state.upcoming.slice(index)]
  return Result.succeed({
    state: { ...state, upcoming, nextEntryId: EntryId.make(state.nextEntryId + added.length) },
    added,
    index,
    duplicates
  })
}

/** Makes the first upcoming entry current when nothing is; otherwise leaves the state alone. */
export const startNext = (state: QueueState): Advanced => {
  if (state.current !== null) return { state, next: state.current }
  const [head, ...rest] = state.upcoming
  if (head === undefined) return { state, next: null }
  return { state: { ...state, current: head, upcoming: rest }, next: head }
}

/** Leaves the current entry under the loop mode and makes the next one current. */
export const advance = (state: QueueState, reason: AdvanceReason, settings: QueueSettings): Advanced => {
  const current = state.current
  if (current === null) return { state, next: null }
  if (reason === "finished" && state.loop === "track") return { state, next: current }
  const history = pushHistory(state.history, current, settings.historySize)
  // A failed entry leaves the ring: looping it would fail forever.
  const ring = state.loop === "queue" && reason !== "failed" ? [...state.upcoming, current] : state.upcoming
  const [next, ...rest] = ring
  return { state: { ...state, current: next ?? null, upcoming: rest, history }, next: next ?? null }
}

/** Skips the current entry and `count - 1` upcoming ones: `skip(n)` lands on upcoming position n. */
export const skip = (
  state: QueueState,
  count: number,
  settings: QueueSettings
): Result.Result<Skipped, NothingPlaying | InvalidArgument> => {
  if (state.current === null) return Result.fail(new NothingPlaying())
  const left = state.upcoming.length + 1
  if (!Number.isInteger(count) || count < 1 || count > left) {
    return Result.fail(
      new InvalidArgument({
        reason: `cannot skip ${count} track${count === 1 ? "" : "s"}, only ${left} ${left === 1 ? "is" : "are"} left`
      })
    )
  }
  const skipped: Array<QueueEntry> = []
  let s = state
  for (let i = 0; i < count && s.current !== null; i++) {
    skipped.push(s.current)
    s = advance(s, "skipped", settings).state
  }
  return Result.succeed({ state: s, next: s.current, skipped })
}

/** Jumps to the entry at a 1-based position; the ones before it count as skipped. */
export const skipTo = (
  state: QueueState,
  position: number,
  settings: QueueSettings
): Result.Result<Skipped, NothingPlaying | PositionOutOfRange | InvalidArgument> => {
  if (state.current === null) return Result.fail(new NothingPlaying())
  if (!validPosition(position, state.upcoming.length)) return outOfRange(position, state)
  return skip(state, position, settings)
}

/** Makes the last played entry current again; the current one goes back to the front of the queue. */
export const previous = (
  state: QueueState
): Result.Result<{ readonly state: QueueState; readonly next: QueueEntry }, NothingToGoBack> => {
  const back = state.history[state.history.length - 1]
  if (back === undefined) return Result.fail(new NothingToGoBack())
  // Under loop-queue the entry also sits at the back of the ring: take it from there so it is not doubled.
  const rest = state.upcoming.filter((e) => e.entryId !== back.entryId)
  const upcoming = state.current === null ? rest : [state.current, ...rest]
  return Result.succeed({
    state: { ...state, current: back, upcoming, history: state.history.slice(0, -1) },
    next: back
  })
}

/** Removes the entry at `position`, or every entry from `position` to `to` inclusive. */
export const remove = (
  state: QueueState,
  position: number,
  to?: number
): Result.Result<Removed, PositionOutOfRange | InvalidArgument> => {
  const size = state.upcoming.length
  const last = to ?? position
  if (!validPosition(position, size)) return outOfRange(position, state)
  if (!validPosition(last, size)) return outOfRange(last, state)
  if (last < position) {
    return Result.fail(new InvalidArgument({ reason: `the range ${position}–${last} runs backwards` }))
  }
  return Result.succeed({
    state: { ...state, upcoming: [...state.upcoming.slice(0, position - 1), ...state.upcoming.slice(last)] },
    removed: state.upcoming.slice(position - 1, last)
  })
}

/** Moves the entry at `from` so that it ends up at `to` (both 1-based). */
export const move = (state: QueueState, from: number, to: number): Result.Result<Moved, PositionOutOfRange> => {
  const size = state.upcoming.length
  if (!validPosition(from, size)) return outOfRange(from, state)
  if (!validPosition(to, size)) return outOfRange(to, state)
  const upcoming = state.upcoming.slice()
  const [entry] = upcoming.splice(from - 1, 1) as [QueueEntry]
  upcoming.splice(to - 1, 0, entry)
  return Result.succeed({ state: { ...state, upcoming }, entry })
}

/** Shuffles the upcoming entries; the same seed always gives the same order. */
export const shuffle = (state: QueueState, seed: number): QueueState => ({
  ...state,
  upcoming: shuffled(state.upcoming, seed)
})

/** Empties the upcoming queue; the current entry and history stay. */
export const clear = (state: QueueState): Removed => ({
  state: { ...state, upcoming: [] },
  removed: state.upcoming
})

/** Drops the current entry (into history) and everything queued. */
export const stop = (state: QueueState, settings: QueueSettings): Removed => ({
  state: {
    ...state,
    current: null,
    upcoming: [],
    history: state.current === null ? state.history : pushHistory(state.history, state.current, settings.historySize)
  },
  removed: state.current === null ? state.upcoming : [state.current, ...state.upcoming]
})

export const setLoop = (state: QueueState, loop: LoopMode): QueueState => ({ ...state, loop })
