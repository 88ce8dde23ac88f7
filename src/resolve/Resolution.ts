import type { Chapter } from "../../schema/Segments.ts"
import type { SourceKind, Substitution, Track } from "../../schema/Track.ts"

/**
 * A track before anyone asked for it: everything in `Track` except the requester. Sources and
 * caches deal in these, so one resolution can be shared by everyone who asks at once.
 */
export interface TrackInfo {
  readonly id: string
  readonly kind: SourceKind
  readonly location: string
  readonly title: string
  readonly author: string | null
  readonly durationMs: number | null
  readonly artworkUrl: string | null
  /** Set only for a live stream; see `Track.live`. */
  readonly live?: boolean | undefined
  readonly chapters?: ReadonlyArray<Chapter>
}

/** The playlist (or album) a resolution came from. */
export interface PlaylistInfo {
  readonly id: string
  readonly title: string
  readonly url: string | null
  /** Entries the source reports, before the per-guild cap; null when it does not say. */
  readonly totalCount: number | null
  /** True when the cap cut the playlist short. */
  readonly truncated: boolean
}

/** What `resolve` answers: one track for a link or search, many for a playlist. */
export interface ResolvedTracks {
  readonly tracks: ReadonlyArray<Track>
  readonly playlist: PlaylistInfo | null
  readonly substitution?: Substitution | undefined
}

/** One step of a playlist load: the tracks found since the last batch. */
export interface ResolvedBatch {
  readonly tracks: ReadonlyArray<Track>
  readonly playlist: PlaylistInfo | null
  /** Tracks loaded so far, this batch included. */
  readonly loaded: number
  /** Expected total when known (already capped). */
  readonly expected: number | null
  readonly substitution?: Substitution | undefined
}

export interface ResolveOptions {
  /** Per-guild cap on playlist length; defaults to MAX_PLAYLIST_SIZE. */
  readonly maxTracks?: number | undefined
}

/** The part of a resolution that is the same for every requester; the resolver stamps the requester on to make tracks. */
export interface ResolvedInfo {
  readonly tracks: ReadonlyArray<TrackInfo>
  readonly playlist: PlaylistInfo | null
  readonly substitution?: Substitution | undefined
}

/** A `ResolvedBatch` before it is stamped with its requester. */
export interface InfoBatch {
  readonly tracks: ReadonlyArray<TrackInfo>
  readonly playlist: PlaylistInfo | null
  readonly loaded: number
  readonly expected: number | null
}
