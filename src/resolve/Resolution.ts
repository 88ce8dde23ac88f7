import type { Effect } from "effect"
import type { SourceKind, Track } from "../../schema/Track.ts"
import type { Playable } from "../audio/Playable.ts"
import type { ResolveError } from "./ResolveError.ts"

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
}

/** One step of a playlist load: the tracks found since the last batch. */
export interface ResolvedBatch {
  readonly tracks: ReadonlyArray<Track>
  readonly playlist: PlaylistInfo | null
  /** Tracks loaded so far, this batch included. */
  readonly loaded: number
  /** Expected total when known (already capped). */
  readonly expected: number | null
}

export interface ResolveOptions {
  /** Per-guild cap on playlist length; defaults to MAX_PLAYLIST_SIZE. */
  readonly maxTracks?: number | undefined
  /** Called after each batch of a playlist load (for a "loaded 150/420" message). */
  readonly onProgress?: ((progress: { readonly loaded: number; readonly expected: number | null }) => Effect.Effect<void>) | undefined
}

/** The part of a resolution that is the same for every requester; `stampRequester` makes tracks. */
export interface ResolvedInfo {
  readonly tracks: ReadonlyArray<TrackInfo>
  readonly playlist: PlaylistInfo | null
}

/** Identifies a source module in errors, metrics, breaker keys and logs. */
export type SourceName = "ytdlp" | "spotify" | "direct" | "attachment" | "local"

/**
 * One source of tracks. `resolve` turns a parsed query into metadata (as a stream of batches,
 * so a playlist's first track is usable at once); `playable` turns a track of one of its
 * `kinds` into what FFmpeg reads.
 */
export interface Source {
  readonly name: SourceName
  readonly kinds: ReadonlyArray<SourceKind>
  readonly playable: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
}

