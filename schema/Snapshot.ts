import { Schema } from "effect"
import { ChannelId } from "./Ids.ts"
import { PlayerState } from "./PlayerState.ts"

/**
 * What the database keeps of a guild's player so that a restart resumes it: its whole state,
 * the voice channel it was in, where playback had got to and when that was read. Versioned: a
 * snapshot of a shape this build does not know is discarded, not guessed at.
 */
export const Snapshot = Schema.Struct({
  version: Schema.Literal(1),
  state: PlayerState,
  voiceChannelId: Schema.NullOr(ChannelId),
  /** The live position when the snapshot was taken. */
  positionMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Epoch milliseconds of that reading: a resume after a crash knows how stale it is. */
  takenAtMs: Schema.Number
})
export type Snapshot = typeof Snapshot.Type

/** The JSON text stored in `player_snapshots.state`. */
export const SnapshotJson = Schema.fromJsonString(Snapshot)
