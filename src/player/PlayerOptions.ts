import { Duration, Effect } from "effect"
import type { PlayerCommand } from "../../schema/PlayerCommand.ts"
import type { GuildId } from "../../schema/Ids.ts"
import type { Segment } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import { defaultQueueSettings, type QueueSettings } from "./Queue.ts"

/** How players behave; every field has a default so config can be wired in piece by piece. */
export interface PlayerOptions {
  /** How long a player with nothing playing (idle or paused) stays before it leaves voice. Default 5 minutes. */
  readonly idleWindow?: Duration.Input | undefined
  /** Most entries a queue may hold, whatever a guild sets (each Enqueue brings the guild's own limit). Default 1000. */
  readonly maxQueueSize?: number | undefined
  /** Whether a track already queued may be added again, unless an Enqueue says. Default true; reported either way. */
  readonly allowDuplicates?: boolean | undefined
  /** How many played tracks Previous can go back through. Default 50. */
  readonly historySize?: number | undefined
  /** First delay after a crash; doubles per consecutive crash. Default 100 ms. */
  readonly restartBaseDelay?: Duration.Input | undefined
  /** Longest delay between restarts. Default 10 seconds. */
  readonly restartMaxDelay?: Duration.Input | undefined
  /** Commands waiting in a player's mailbox before senders wait. Default 256. */
  readonly mailboxCapacity?: number | undefined
  /** Whether a guild is in 24/7 mode: then nothing playing is no reason to leave voice. Default: never. */
  readonly stayConnected?: ((guildId: GuildId) => Effect.Effect<boolean>) | undefined
  /**
   * Whether the next track is resolved and opened shortly before the current one ends, so it
   * follows within a frame or two instead of after a resolution and FFmpeg's start. Default true.
   */
  readonly gapless?: boolean | undefined
  /**
   * The segments of a track the guild skips (SponsorBlock's, of its categories), asked for as the
   * track is readied; never fails, and playback never waits for it. Default: none.
   */
  readonly segments?: ((guildId: GuildId, track: Track) => Effect.Effect<ReadonlyArray<Segment>>) | undefined
  /**
   * A guild's crossfade in ms: a track that ends on its own fades into the next over this long
   * (0, the default: they follow gaplessly). Needs `gapless`, which readies the next track.
   */
  readonly crossfadeMs?: ((guildId: GuildId) => Effect.Effect<number>) | undefined
  /** Runs before each command is handled, inside the player's loop (metrics, audit, fault injection in tests). */
  readonly onCommand?: ((guildId: GuildId, command: PlayerCommand) => Effect.Effect<void>) | undefined
}

export interface ResolvedPlayerOptions {
  readonly idleWindow: Duration.Duration
  readonly queue: QueueSettings
  readonly restartBaseDelay: Duration.Duration
  readonly restartMaxDelay: Duration.Duration
  readonly mailboxCapacity: number
  readonly onCommand: ((guildId: GuildId, command: PlayerCommand) => Effect.Effect<void>) | undefined
  readonly stayConnected: (guildId: GuildId) => Effect.Effect<boolean>
  readonly gapless: boolean
  readonly segments: (guildId: GuildId, track: Track) => Effect.Effect<ReadonlyArray<Segment>>
  readonly crossfadeMs: (guildId: GuildId) => Effect.Effect<number>
}

export const resolvePlayerOptions = (options: PlayerOptions = {}): ResolvedPlayerOptions => ({
  idleWindow: Duration.fromInputUnsafe(options.idleWindow ?? "5 minutes"),
  queue: {
    maxQueueSize: options.maxQueueSize ?? defaultQueueSettings.maxQueueSize,
    allowDuplicates: options.allowDuplicates ?? defaultQueueSettings.allowDuplicates,
    historySize: options.historySize ?? defaultQueueSettings.historySize
  },
  restartBaseDelay: Duration.fromInputUnsafe(options.restartBaseDelay ?? "100 millis"),
  restartMaxDelay: Duration.fromInputUnsafe(options.restartMaxDelay ?? "10 seconds"),
  mailboxCapacity: options.mailboxCapacity ?? 256,
  onCommand: options.onCommand,
  stayConnected: options.stayConnected ?? (() => Effect.succeed(false)),
  gapless: options.gapless ?? true,
  segments: options.segments ?? (() => Effect.succeed([])),
  crossfadeMs: options.crossfadeMs ?? (() => Effect.succeed(0))
})

/** The delay before the n-th consecutive restart (n ≥ 1): base · 2^(n-1), capped. */
export const restartDelay = (options: ResolvedPlayerOptions, crashes: number): Duration.Duration =>
  Duration.min(
    Duration.times(options.restartBaseDelay, 2 ** Math.min(Math.max(crashes - 1, 0), 30)),
    options.restartMaxDelay
  )
