import { Schema } from "effect"
import { ChannelId } from "../../schema/Ids.ts"
import { formatMs } from "../../schema/PlayerError.ts"
import { PlaylistScope } from "../../schema/Playlist.ts"

const channel = (id: string) => `<#${id}>`

/** The caller is in no voice channel. */
export class NotInVoice extends Schema.TaggedClass<NotInVoice>()("NotInVoice", {}) {
  get message() {
    return "Join a voice channel first, then ask again."
  }
}

/** The bot plays to listeners in another channel. */
export class BusyElsewhere extends Schema.TaggedClass<BusyElsewhere>()("BusyElsewhere", { channelId: ChannelId }) {
  get message() {
    return `I'm already playing in ${channel(this.channelId)}; join it to add music.`
  }
}

/** The bot is in no voice channel, so there is nothing to control. */
export class NotPlaying extends Schema.TaggedClass<NotPlaying>()("NotPlaying", {}) {
  get message() {
    return "I'm not playing anything right now."
  }
}

export class NotInBotChannel extends Schema.TaggedClass<NotInBotChannel>()("NotInBotChannel", {
  channelId: ChannelId
}) {
  get message() {
    return `Join ${channel(this.channelId)} to control the music.`
  }
}

export class NotDj extends Schema.TaggedClass<NotDj>()("NotDj", {}) {
  get message() {
    return "Only DJs can do that here."
  }
}

export class NotManager extends Schema.TaggedClass<NotManager>()("NotManager", {}) {
  get message() {
    return "Only people who manage this server (or DJs) can change my settings."
  }
}

/** The audit log names members and what they did: it is for those who run the server. */
export class NotAuditor extends Schema.TaggedClass<NotAuditor>()("NotAuditor", {}) {
  get message() {
    return "Only people with the Manage Server permission can read the audit log."
  }
}

/** Jumping ahead skips other people's tracks without a vote. */
export class JumpNeedsDj extends Schema.TaggedClass<JumpNeedsDj>()("JumpNeedsDj", {}) {
  get message() {
    return "Only DJs (or whoever queued the current track) can jump ahead."
  }
}

export class NothingFound extends Schema.TaggedClass<NothingFound>()("NothingFound", {
  query: Schema.NullOr(Schema.String)
}) {
  get message() {
    return this.query === null ? "I found nothing to play there." : `Nothing found for "${this.query}".`
  }
}

/** The database is away: what the caller asked to keep cannot be kept right now. */
export class StoreUnavailable extends Schema.TaggedClass<StoreUnavailable>()("StoreUnavailable", {
  what: Schema.String
}) {
  get message() {
    return `I can't save ${this.what} right now; try again in a moment.`
  }
}

/** The database is away: what the caller asked to see cannot be read right now. */
export class StoreReadUnavailable extends Schema.TaggedClass<StoreReadUnavailable>()("StoreReadUnavailable", {
  what: Schema.String
}) {
  get message() {
    return `${this.what} is unavailable right now; try again in a moment.`
  }
}

const quoted = (name: string) => `"${name}"`

/** No playlist of that name is the caller's or the guild's; `name` is null for one asked for by id (a button). */
export class PlaylistNotFound extends Schema.TaggedClass<PlaylistNotFound>()("PlaylistNotFound", {
  name: Schema.NullOr(Schema.String)
}) {
  get message() {
    return this.name === null
      ? "That playlist no longer exists."
      : `I couldn't find a playlist called ${quoted(this.name)}; \`/playlist list\` shows yours and this server's.`
  }
}

export class PlaylistExists extends Schema.TaggedClass<PlaylistExists>()("PlaylistExists", {
  name: Schema.String,
  scope: PlaylistScope
}) {
  get message() {
    return this.scope === "user"
      ? `You already have a playlist called ${quoted(this.name)}; pick another name.`
      : `This server already has a playlist called ${quoted(this.name)}; pick another name.`
  }
}

/** The database does not answer: saved playlists wait for it, everything else goes on. */
export class PlaylistsUnavailable extends Schema.TaggedClass<PlaylistsUnavailable>()("PlaylistsUnavailable", {}) {
  get message() {
    return "Saved playlists are unavailable right now; try again in a moment."
  }
}

/** An imported file that is not a playlist Reprise can take: `field` names where (null: the file as a whole). */
export class BadPlaylistFile extends Schema.TaggedClass<BadPlaylistFile>()("BadPlaylistFile", {
  field: Schema.NullOr(Schema.String),
  problem: Schema.String
}) {
  get message() {
    return `I can't import that file: ${this.field === null ? "" : `${this.field} `}${this.problem}. Nothing was saved.`
  }
}

export class PlaylistTooLong extends Schema.TaggedClass<PlaylistTooLong>()("PlaylistTooLong", {
  limit: Schema.Int,
  wanted: Schema.Int
}) {
  get message() {
    return `A playlist holds at most ${this.limit} tracks; this would make it ${this.wanted}.`
  }
}

/** A guild's limit above what the bot allows any guild (MAX_QUEUE_LENGTH, MAX_PLAYLIST_SIZE). */
export class LimitAboveCap extends Schema.TaggedClass<LimitAboveCap>()("LimitAboveCap", {
  what: Schema.Literals(["queue", "playlist", "track"]),
  cap: Schema.Int
}) {
  get message() {
    if (this.what === "track") return `A track here plays at most ${this.cap} minutes (the bot's own limit); pick ${this.cap} or fewer.`
    const holds = this.what === "queue" ? "A queue here holds" : "A playlist here holds"
    return `${holds} at most ${this.cap} tracks (the bot's own limit); pick ${this.cap} or fewer.`
  }
}

/** A track longer than the guild plays (the bot's MAX_TRACK_DURATION, or the guild's own lower limit). */
export class TrackTooLong extends Schema.TaggedClass<TrackTooLong>()("TrackTooLong", {
  title: Schema.String,
  durationMs: Schema.Int,
  limitMs: Schema.Int
}) {
  get message() {
    return `That track is ${formatMs(this.durationMs)} long; this server plays tracks up to ${formatMs(this.limitMs)}.`
  }
}

export class PlaylistEmpty extends Schema.TaggedClass<PlaylistEmpty>()("PlaylistEmpty", { name: Schema.String }) {
  get message() {
    return `The playlist ${quoted(this.name)} is empty; add tracks with \`/playlist add\`.`
  }
}

export class NothingToSave extends Schema.TaggedClass<NothingToSave>()("NothingToSave", {}) {
  get message() {
    return "The queue is empty, so there is nothing to save."
  }
}

export class NoSuchPlaylistTrack extends Schema.TaggedClass<NoSuchPlaylistTrack>()("NoSuchPlaylistTrack", {
  name: Schema.String,
  position: Schema.Int,
  length: Schema.Int
}) {
  get message() {
    return `${quoted(this.name)} has no track ${this.position} (it has ${this.length}).`
  }
}

/** The guild's shared playlists are its DJs' and managers' to change. */
export class NotPlaylistEditor extends Schema.TaggedClass<NotPlaylistEditor>()("NotPlaylistEditor", {}) {
  get message() {
    return "Only DJs and people who manage this server can change its shared playlists."
  }
}

/** An API key is nobody's: it reaches the guild's shared playlists, never its creator's own. */
export class NoOwnPlaylists extends Schema.TaggedClass<NoOwnPlaylists>()("NoOwnPlaylists", {}) {
  get message() {
    return "An API key has no playlists of its own; use this server's (scope \"guild\")."
  }
}

/** A rating is for what plays now, and nothing does. */
export class NothingToRate extends Schema.TaggedClass<NothingToRate>()("NothingToRate", {}) {
  get message() {
    return "Nothing is playing right now, so there is nothing to rate."
  }
}

/** The database did not answer in time: the guild's stats wait for it, playback goes on. */
export class StatsUnavailable extends Schema.TaggedClass<StatsUnavailable>()("StatsUnavailable", {}) {
  get message() {
    return "Stats are unavailable right now; try again in a moment."
  }
}

/** API keys act in the whole guild: making, seeing and revoking them is for those who run it. */
export class NotKeyManager extends Schema.TaggedClass<NotKeyManager>()("NotKeyManager", {}) {
  get message() {
    return "Only people with the Manage Server permission can manage API keys."
  }
}

export class BadApiKeyName extends Schema.TaggedClass<BadApiKeyName>()("BadApiKeyName", {}) {
  get message() {
    return "An API key's name is 1 to 32 characters, without spaces at either end."
  }
}

export class ApiKeyExists extends Schema.TaggedClass<ApiKeyExists>()("ApiKeyExists", { name: Schema.String }) {
  get message() {
    return `This server already has an API key called ${quoted(this.name)}; pick another name, or revoke that key first.`
  }
}

export class ApiKeyNotFound extends Schema.TaggedClass<ApiKeyNotFound>()("ApiKeyNotFound", { name: Schema.String }) {
  get message() {
    return `This server has no API key called ${quoted(this.name)}; \`/apikey list\` shows its keys.`
  }
}

/** The database does not answer: keys can be neither managed nor checked, and everything else goes on. */
export class ApiKeysUnavailable extends Schema.TaggedClass<ApiKeysUnavailable>()("ApiKeysUnavailable", {}) {
  get message() {
    return "API keys are unavailable right now; try again in a moment."
  }
}

export const RefusalReason = Schema.Union([
  NotInVoice,
  BusyElsewhere,
  NotPlaying,
  NotInBotChannel,
  NotDj,
  NotManager,
  NotAuditor,
  JumpNeedsDj,
  NothingFound,
  StoreUnavailable,
  StoreReadUnavailable,
  PlaylistNotFound,
  PlaylistExists,
  PlaylistsUnavailable,
  BadPlaylistFile,
  PlaylistTooLong,
  LimitAboveCap,
  TrackTooLong,
  PlaylistEmpty,
  NothingToSave,
  NoSuchPlaylistTrack,
  NotPlaylistEditor,
  NoOwnPlaylists,
  NothingToRate,
  StatsUnavailable,
  NotKeyManager,
  BadApiKeyName,
  ApiKeyExists,
  ApiKeyNotFound,
  ApiKeysUnavailable
])
export type RefusalReason = typeof RefusalReason.Type

/**
 * The application core would not do what was asked: a rule or the caller's situation stands in
 * the way. The message is written for the caller; each reason carries what another edge needs to
 * say it its own way (a channel id rather than only a Discord mention).
 */
export class Refusal extends Schema.TaggedError<Refusal>()("Refusal", { reason: RefusalReason }) {
  override get message(): string {
    return this.reason.message
  }
}

export const refusal = (reason: RefusalReason): Refusal => new Refusal({ reason })
