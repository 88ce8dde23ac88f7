/**
 * What the HTTP API (`/api/v1`) sends and accepts: the contract scripts and the dashboard rely on.
 * Every payload, path parameter and query value is decoded with these before anything acts on it.
 */
import { Schema } from "effect"
import { EffectName, EqPreset, Volume } from "./Effects.ts"
import { CrossfadeSeconds, DjOnly, DjOnlyChange, GuildLimit, maxTrackMinutes, TrackMinutes } from "./GuildRules.ts"
import { ChannelId, RoleId, UserId } from "./Ids.ts"
import { LoopMode } from "./PlayerState.ts"
import { PlaylistName, PlaylistScope } from "./Playlist.ts"
import { Rating, StatsPeriod } from "./Rating.ts"
import { Chapter, SponsorCategory } from "./Segments.ts"
import { SourceKind } from "./Track.ts"

const Millis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** A 1-based place in the queue, as a path or query value (`/queue/3`). */
export const Position = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
export const PositionFromString = Schema.NumberFromString.pipe(Schema.decodeTo(Position))

/** `to`: the last position of a range to remove, as /remove's `to`. */
export const RemoveQuery = { to: Schema.optionalKey(PositionFromString) }

export const GuildSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  /** The guild's icon as a URL, if it has one. */
  icon: Schema.NullOr(Schema.String),
  /** Whether a player runs in the guild now. */
  active: Schema.Boolean
})
export type GuildSummary = typeof GuildSummary.Type

/** Who is logged in to the dashboard, and where they may go. */
export const Me = Schema.Struct({
  id: UserId,
  username: Schema.String,
  /** The user's avatar as a URL, if they have one. */
  avatar: Schema.NullOr(Schema.String),
  /** The guilds the user shares with the bot. */
  guilds: Schema.Array(GuildSummary),
  /** Sent back as the `X-CSRF-Token` header with every POST, PUT, PATCH and DELETE of the session. */
  csrfToken: Schema.String
})
export type Me = typeof Me.Type

const TrackFields = {
  title: Schema.String,
  url: Schema.String,
  source: SourceKind,
  /** Null for a live stream or a length not known yet. */
  durationMs: Schema.NullOr(Millis),
  requester: UserId
}

/** A track in the player (not a record of one): whether it is a live stream is known. */
const PlayerTrackFields = {
  ...TrackFields,
  /** A live stream: no end, no seek (a null `durationMs` alone says only that the length is unknown). */
  live: Schema.Boolean
}

/** The requester's name in the guild, when the bot knows it (null: show the id). */
const RequesterName = { requesterName: Schema.NullOr(Schema.String) }

export const CurrentTrack = Schema.Struct({
  ...PlayerTrackFields,
  ...RequesterName,
  positionMs: Millis,
  artworkUrl: Schema.NullOr(Schema.String),
  /** The chapter playing, when the track's source names chapters. */
  chapter: Schema.NullOr(Chapter)
})

export const QueuedTrack = Schema.Struct({ position: Position, ...PlayerTrackFields, ...RequesterName })
export type QueuedTrack = typeof QueuedTrack.Type

export const EqualizerView = Schema.Struct({
  /** The preset whose gains are set, or `custom`. */
  preset: Schema.Union([EqPreset, Schema.Literal("custom")]),
  gains: Schema.Array(Schema.Number)
})

export const PlayerView = Schema.Struct({
  voiceChannelId: Schema.NullOr(ChannelId),
  current: Schema.NullOr(CurrentTrack),
  paused: Schema.Boolean,
  loop: LoopMode,
  volume: Volume,
  effects: Schema.Array(EffectName),
  equalizer: EqualizerView,
  /** One page of the upcoming tracks. */
  queue: Schema.Array(QueuedTrack),
  queueLength: Schema.Int,
  page: Schema.Int,
  size: Schema.Int
})
export type PlayerView = typeof PlayerView.Type

/** The answer to a skip: the player afterwards, and the vote when the skip was one that has not passed yet. */
export const SkipView = Schema.Struct({
  ...PlayerView.fields,
  /** `repeated`: the caller had voted for this track already, so nothing changed. */
  vote: Schema.NullOr(Schema.Struct({ votes: Schema.Int, needed: Schema.Int, repeated: Schema.Boolean }))
})
export type SkipView = typeof SkipView.Type

export const PageQuery = {
  page: Schema.optionalKey(PositionFromString),
  size: Schema.optionalKey(
    Schema.NumberFromString.pipe(Schema.decodeTo(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))))
  )
}

/** Words to search for, or a link: what /play takes. */
const Query = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(500))

export const Enqueue = Schema.Struct({
  query: Query,
  /** Right after the current track rather than at the end. */
  next: Schema.optionalKey(Schema.Boolean),
  /** Where to play when the bot is in no voice channel yet. */
  voiceChannelId: Schema.optionalKey(ChannelId)
})

export const Queued = Schema.Struct({
  /** The tracks queued, each at its position (0: it plays now). */
  tracks: Schema.Array(Schema.Struct({ position: Schema.Int, ...PlayerTrackFields, ...RequesterName })),
  /** Tracks left out as already queued. */
  skipped: Schema.Int
})
export type Queued = typeof Queued.Type

/**
 * An image's query: `v` is any short text the caller changes when the image may have (the page
 * sends a hash of the artwork or icon URL), so a browser's cache never shows the last track's.
 */
export const ImageQuery = { v: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))) }

export const SuggestQuery = { q: Schema.String.check(Schema.isMaxLength(500)) }

/** What the add-song box offers for what was typed, as /play's autocomplete does. */
export const Suggestions = Schema.Array(Schema.Struct({
  /** What to show. */
  label: Schema.String,
  /** What to queue (`POST …/queue` with it as `query`). */
  query: Schema.String
}))

export const Move = Schema.Struct({ from: Position, to: Position })
/** No track plays past a day (the most MAX_TRACK_DURATION allows), so no seek past one is asked of the player. */
export const Seek = Schema.Struct({ positionMs: Millis.check(Schema.isLessThanOrEqualTo(maxTrackMinutes * 60_000)) })
export const SetVolume = Schema.Struct({ level: Volume })
export const SetEffects = Schema.Struct({ effects: Schema.Array(EffectName).check(Schema.isMaxLength(32)) })
export const SetEqualizer = Schema.Struct({ preset: EqPreset })
export const SetLoop = Schema.Struct({ mode: LoopMode })

export const SettingsView = Schema.Struct({
  djRoleId: Schema.NullOr(RoleId),
  voteSkipRatio: Schema.Number,
  autoplay: Schema.Boolean,
  /** 24/7: the bot stays in its voice channel when the queue ends or everyone leaves. */
  stay: Schema.Boolean,
  /** The now-playing message is posted anew for each track, at the bottom of the channel, instead of edited. */
  repost: Schema.Boolean,
  /** Seconds a track that ends on its own fades into the next; 0: none. */
  crossfade: Schema.Int,
  /** The guild's limit on queued tracks; null: the bot's own cap (MAX_QUEUE_LENGTH) alone. */
  maxQueueLength: Schema.NullOr(Schema.Int),
  /** The guild's limit on a playlist's tracks; null: the bot's own cap (MAX_PLAYLIST_SIZE) alone. */
  maxPlaylistSize: Schema.NullOr(Schema.Int),
  /** The guild's limit on a track's length, in minutes; null: the bot's own (MAX_TRACK_DURATION) alone. */
  maxTrackMinutes: Schema.NullOr(Schema.Int),
  /** Whether a track already queued may be queued again. */
  allowDuplicates: Schema.Boolean,
  /** Each action group, and whether only DJs may take it. */
  djOnly: DjOnly,
  /** The SponsorBlock categories skipped in YouTube videos; empty: nothing is skipped. */
  sponsorBlock: Schema.Array(SponsorCategory)
})
export type SettingsView = typeof SettingsView.Type

/** The roles of a guild that can be made its DJ role, highest first. */
export const Roles = Schema.Array(Schema.Struct({ id: RoleId, name: Schema.String }))

export const SettingsPatch = Schema.Struct({
  /** The DJ role, or null to turn DJ rules off. */
  djRoleId: Schema.optionalKey(Schema.NullOr(RoleId)),
  /** Share of the listeners that must vote to skip someone else's track. */
  voteSkipRatio: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1))),
  autoplay: Schema.optionalKey(Schema.Boolean),
  stay: Schema.optionalKey(Schema.Boolean),
  repost: Schema.optionalKey(Schema.Boolean),
  /** Whole seconds from 0 (off) to 12. */
  crossfade: Schema.optionalKey(CrossfadeSeconds),
  /** A limit from 1 to 10000, under the bot's own cap; null for the cap alone. */
  maxQueueLength: Schema.optionalKey(Schema.NullOr(GuildLimit)),
  maxPlaylistSize: Schema.optionalKey(Schema.NullOr(GuildLimit)),
  /** Minutes from 1 to 1440, under the bot's own MAX_TRACK_DURATION; null for that alone. */
  maxTrackMinutes: Schema.optionalKey(Schema.NullOr(TrackMinutes)),
  allowDuplicates: Schema.optionalKey(Schema.Boolean),
  /** The action groups to change: true keeps one for DJs, false opens it to everyone. */
  djOnly: Schema.optionalKey(DjOnlyChange),
  /** The SponsorBlock categories to skip, all of them (an empty list turns skipping off). */
  sponsorBlock: Schema.optionalKey(Schema.Array(SponsorCategory).check(Schema.isMaxLength(16)))
})

export const HistoryQuery = {
  search: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(100))),
  page: Schema.optionalKey(PositionFromString)
}

export const HistoryPage = Schema.Struct({
  plays: Schema.Array(Schema.Struct({
    id: Schema.Number,
    ...TrackFields,
    startedAt: Schema.String,
    /** finished, skipped, failed or stopped; null while it plays. */
    endReason: Schema.NullOr(Schema.String)
  })),
  page: Schema.Int,
  pages: Schema.Int
})
export type HistoryPage = typeof HistoryPage.Type

export const PlaylistSummary = Schema.Struct({
  name: Schema.String,
  scope: PlaylistScope,
  trackCount: Schema.Int,
  durationMs: Millis
})
export type PlaylistSummary = typeof PlaylistSummary.Type

export const Playlists = Schema.Struct({
  /** The caller's own playlists (none for an API key, which is nobody's). */
  own: Schema.Array(PlaylistSummary),
  guild: Schema.Array(PlaylistSummary)
})
export type Playlists = typeof Playlists.Type

export const AuditQuery = {
  userId: Schema.optionalKey(UserId),
  action: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(40))),
  page: Schema.optionalKey(PositionFromString)
}

export const AuditPage = Schema.Struct({
  entries: Schema.Array(Schema.Struct({
    actorId: UserId,
    origin: Schema.String,
    action: Schema.String,
    detail: Schema.Record(Schema.String, Schema.Unknown),
    at: Schema.String
  })),
  page: Schema.Int,
  pages: Schema.Int
})
export type AuditPage = typeof AuditPage.Type

/** A saved playlist's name in a path (`/playlists/Road%20Trip`): the caller's own first, then the guild's. */
export const PlaylistPath = { name: PlaylistName }

export const PlaylistQuery = { page: Schema.optionalKey(PositionFromString) }

const { requester: _, ...StoredTrackFields } = TrackFields

/** A track as a playlist keeps it: who added it rather than who asked to play it. */
export const PlaylistTrack = Schema.Struct({
  position: Position,
  ...StoredTrackFields,
  author: Schema.NullOr(Schema.String),
  addedBy: UserId
})

export const PlaylistPage = Schema.Struct({
  ...PlaylistSummary.fields,
  /** One page of the tracks (ten a page), each at its 1-based position. */
  tracks: Schema.Array(PlaylistTrack),
  page: Schema.Int,
  pages: Schema.Int
})
export type PlaylistPage = typeof PlaylistPage.Type

export const SavePlaylist = Schema.Struct({
  name: PlaylistName,
  /** Whose it is: the caller's own (a session's default) or the guild's (a key's default; a key has no own). */
  scope: Schema.optionalKey(PlaylistScope),
  /** What to keep: the queue, what plays now first (the default), or the last 50 distinct tracks played. */
  from: Schema.optionalKey(Schema.Literals(["queue", "history"]))
})

/** Queues a saved playlist, optionally shuffled; `voiceChannelId` as `Enqueue` has it. */
export const LoadPlaylist = Schema.Struct({
  shuffle: Schema.optionalKey(Schema.Boolean),
  voiceChannelId: Schema.optionalKey(ChannelId)
})

export const AddToPlaylist = Schema.Struct({ query: Query })

export const PlaylistAdded = Schema.Struct({
  playlist: PlaylistSummary,
  /** The 1-based position of the first track added. */
  position: Position,
  tracks: Schema.Array(Schema.Struct(StoredTrackFields))
})
export type PlaylistAdded = typeof PlaylistAdded.Type

export const PlaylistTrackPath = { ...PlaylistPath, position: PositionFromString }

export const PlaylistRemoved = Schema.Struct({ playlist: PlaylistSummary, track: PlaylistTrack })

export const RenamePlaylist = Schema.Struct({ name: PlaylistName })

export const ImportQuery = {
  /** The name to save it as; the file's own `name` when absent. */
  name: Schema.optionalKey(PlaylistName),
  scope: Schema.optionalKey(PlaylistScope)
}

export const PlayIdPath = {
  playId: Schema.NumberFromString.pipe(Schema.decodeTo(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))))
}

export const Replay = Schema.Struct({
  /** Right after the current track rather than at the end. */
  next: Schema.optionalKey(Schema.Boolean),
  voiceChannelId: Schema.optionalKey(ChannelId)
})

export const Rate = Schema.Struct({ rating: Rating })

export const Rated = Schema.Struct({ rating: Rating, track: Schema.Struct({ ...PlayerTrackFields, ...RequesterName }) })
export type Rated = typeof Rated.Type

export const StatsQuery = { period: Schema.optionalKey(StatsPeriod) }

const TrackRef = { trackId: Schema.String, title: Schema.String, url: Schema.String }
const TrackTally = Schema.Struct({ ...TrackRef, count: Schema.Int })

export const StatsView = Schema.Struct({
  period: StatsPeriod,
  mostPlayed: Schema.Array(TrackTally),
  /** Score: likes minus dislikes, each member's rating counted once. */
  bestRated: Schema.Array(Schema.Struct({ ...TrackRef, score: Schema.Int, ratings: Schema.Int })),
  topRequesters: Schema.Array(Schema.Struct({ userId: UserId, plays: Schema.Int })),
  mostSkipped: Schema.Array(TrackTally)
})
export type StatsView = typeof StatsView.Type

/** `q`: a song to look up (title and artist); without it, the words of what plays. */
export const LyricsQuery = {
  q: Schema.optionalKey(Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(200)))
}

/** A song's words, as /lyrics shows them: plain text, and timed lines when LRCLIB has them. */
export const LyricsView = Schema.Struct({
  /** LRCLIB's id of the song. */
  id: Schema.Int,
  trackName: Schema.String,
  artistName: Schema.String,
  instrumental: Schema.Boolean,
  plain: Schema.NullOr(Schema.String),
  /** In time order; empty without synced lyrics. `atMs`: from the start of the track. */
  synced: Schema.Array(Schema.Struct({ atMs: Schema.Int, text: Schema.String }))
})
