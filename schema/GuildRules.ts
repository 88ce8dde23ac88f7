/**
 * The rules a guild sets for its music: which actions only DJs may take, how long its queue
 * and playlists may grow, how long a track may be, and how long tracks crossfade. Shared by the store, the core and every edge that shows or sets them.
 */
import { Schema, Struct } from "effect"

/**
 * Groups of actions a guild may keep for its DJs:
 * - `pause`: pause and resume; `seek`; `loop`;
 * - `skip`: skip, jump ahead and go back; kept for DJs, nobody else skips (no vote, not even
 *   for one's own track); otherwise a DJ or the requester skips and anyone else votes;
 * - `queue`: remove, move and shuffle;
 * - `volume`; `effects`: effects and the equalizer; `stop`: stop and leave; `clear`.
 */
export const DjAction = Schema.Literals(["pause", "seek", "skip", "queue", "loop", "volume", "effects", "stop", "clear"])
export type DjAction = typeof DjAction.Type

export const djActions: ReadonlyArray<DjAction> = DjAction.literals

/** What a guild that never chose keeps for DJs. */
export const defaultDjActions: ReadonlyArray<DjAction> = ["volume", "effects", "stop", "clear"]

/** Largest limit a guild may set on its queue or its playlists; the bot's own caps may be lower. */
export const maxGuildLimit = 10_000

/** A guild's limit on tracks: null leaves only the bot's own cap. */
export const GuildLimit = Schema.Int.check(
  Schema.isBetween({ minimum: 1, maximum: maxGuildLimit }, { message: `must be a whole number from 1 to ${maxGuildLimit}` })
)

/** Each action group and whether it needs DJ rights. */
export const DjOnly = Schema.Struct({
  pause: Schema.Boolean,
  seek: Schema.Boolean,
  skip: Schema.Boolean,
  queue: Schema.Boolean,
  loop: Schema.Boolean,
  volume: Schema.Boolean,
  effects: Schema.Boolean,
  stop: Schema.Boolean,
  clear: Schema.Boolean
})
export type DjOnly = typeof DjOnly.Type

/** A change of some groups; those left out stay as they are. */
export const DjOnlyChange = DjOnly.mapFields(Struct.map(Schema.optionalKey))
export type DjOnlyChange = typeof DjOnlyChange.Type

/** The groups kept for DJs, as a map of every group. */
export const djOnlyOf = (kept: ReadonlyArray<DjAction>): DjOnly => ({
  pause: kept.includes("pause"),
  seek: kept.includes("seek"),
  skip: kept.includes("skip"),
  queue: kept.includes("queue"),
  loop: kept.includes("loop"),
  volume: kept.includes("volume"),
  effects: kept.includes("effects"),
  stop: kept.includes("stop"),
  clear: kept.includes("clear")
})

/** The groups kept for DJs after a change. */
export const applyDjOnly = (kept: ReadonlyArray<DjAction>, change: DjOnlyChange): ReadonlyArray<DjAction> =>
  djActions.filter((a) => change[a] ?? kept.includes(a))

/** Longest crossfade a guild may set, in seconds: past it two songs overlap for most of a verse. */
export const maxCrossfadeSeconds = 12

/** A guild's crossfade between tracks that end on their own, in whole seconds; 0 turns it off. */
export const CrossfadeSeconds = Schema.Int.check(
  Schema.isBetween(
    { minimum: 0, maximum: maxCrossfadeSeconds },
    { message: `must be a whole number of seconds from 0 to ${maxCrossfadeSeconds}` }
  )
)

/** Longest track limit a guild may set, in minutes (a day); the bot's own MAX_TRACK_DURATION may be lower. */
export const maxTrackMinutes = 24 * 60

/** A guild's limit on a track's length, in whole minutes: null leaves only the bot's own. */
export const TrackMinutes = Schema.Int.check(
  Schema.isBetween({ minimum: 1, maximum: maxTrackMinutes }, { message: `must be a whole number of minutes from 1 to ${maxTrackMinutes}` })
)

/** The longest track a guild plays: the bot's limit, or the guild's own when that is lower. */
export const trackLimitMs = (botLimitMs: number, guildMinutes: number | null): number =>
  guildMinutes === null ? botLimitMs : Math.min(botLimitMs, guildMinutes * 60_000)

/** Whether a track is longer than the limit; a live stream or a track of unknown length is not (it has no length to compare). */
export const longerThan = (track: { readonly durationMs: number | null; readonly live?: boolean | undefined }, limitMs: number): boolean =>
  track.live !== true && track.durationMs !== null && track.durationMs > limitMs
