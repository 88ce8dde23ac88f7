/** The shapes the saved-playlist use-cases answer with, and how a track is kept in one. */
import type { Effect, Option } from "effect"
import type { ChannelId } from "../../schema/Ids.ts"
import type { PlaylistScope } from "../../schema/Playlist.ts"
import type { Track } from "../../schema/Track.ts"
import type { PlaylistId, PlaylistOwner, PlaylistSummary, PlaylistTrack } from "../persistence/PlaylistRepo.ts"
import type { PlaylistInfo, TrackInfo } from "../resolve/Resolution.ts"
import type { Actor } from "./Actor.ts"
import type { PlayProgress } from "./Play.ts"

export interface PlaylistsSettings {
  /** The most tracks a playlist holds: MAX_PLAYLIST_SIZE, the same cap a loaded playlist has. */
  readonly maxTracks: number
}

/** A playlist by the name a user typed, or by the id a button carries. */
export type PlaylistRef = { readonly _tag: "Named"; readonly name: string } | { readonly _tag: "Id"; readonly id: PlaylistId }

export const playlistPageSize = 10

export interface PlaylistPage {
  readonly playlist: PlaylistSummary
  /** 1-based, within 1..pages. */
  readonly page: number
  readonly pages: number
  /** The 0-based position of the page's first track. */
  readonly offset: number
  readonly tracks: ReadonlyArray<PlaylistTrack>
}

/** The caller's own playlists and the guild's; null for the half not asked for. */
export interface PlaylistListing {
  readonly own: ReadonlyArray<PlaylistSummary> | null
  readonly guild: ReadonlyArray<PlaylistSummary> | null
}

export interface PlaylistAddition {
  readonly playlist: PlaylistSummary
  readonly tracks: ReadonlyArray<Track>
  /** The 1-based position of the first track added. */
  readonly position: number
  /** The playlist (or album) the query named, if it named one. */
  readonly from: PlaylistInfo | null
}

export interface PlaylistRemoval {
  readonly playlist: PlaylistSummary
  readonly track: PlaylistTrack
  readonly position: number
}

export interface LoadRequest<E> {
  readonly shuffle: boolean
  readonly announceIn?: ChannelId | undefined
  readonly onAccepted?: Effect.Effect<void, E> | undefined
  readonly onProgress?: ((progress: PlayProgress) => Effect.Effect<void, E>) | undefined
}

export interface ImportRequest<E> {
  /** The size the upload declares, checked before anything is read. */
  readonly size: number
  /** The file's text, read up to `maxBytes`; none when it is longer. */
  readonly read: (maxBytes: number) => Effect.Effect<Option.Option<string>, E>
  /** The name to save it as; the file's own name when absent. */
  readonly name?: string | undefined
  readonly scope: PlaylistScope
  readonly onAccepted?: Effect.Effect<void, E> | undefined
}

export const scopeOf = (owner: PlaylistOwner): PlaylistScope => (owner._tag === "User" ? "user" : "guild")

export const ownerFor = (actor: Actor, scope: PlaylistScope): PlaylistOwner =>
  scope === "user" ? { _tag: "User", userId: actor.userId } : { _tag: "Guild", guildId: actor.guildId }

/** A key acts for its creator but is nobody's: their own playlists stay out of its reach. */
export const visibleTo = (actor: Actor, owner: PlaylistOwner): boolean =>
  owner._tag === "User" ? actor._tag === "Member" && owner.userId === actor.userId : owner.guildId === actor.guildId

export const kept = (track: TrackInfo, actor: Actor): PlaylistTrack => ({
  id: track.id,
  kind: track.kind,
  location: track.location,
  title: track.title,
  author: track.author,
  durationMs: track.durationMs,
  artworkUrl: track.artworkUrl,
  addedBy: actor.userId
})

export const playlistInfo = (playlist: PlaylistSummary): PlaylistInfo => ({
  id: `reprise:playlist:${playlist.id}`,
  title: playlist.name,
  url: null,
  totalCount: playlist.trackCount,
  truncated: false
})
