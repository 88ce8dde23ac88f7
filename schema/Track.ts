import { Schema } from "effect"
import { UserId } from "./Ids.ts"
import { Chapter } from "./Segments.ts"

/**
 * Where a track comes from. `file` and `http` are handed straight to FFmpeg;
 * the other kinds are resolved to a playable location first (yt-dlp, Spotify match, …).
 */
export const SourceKind = Schema.Literals([
  "file",
  "http",
  "attachment",
  "local",
  "youtube",
  "soundcloud",
  "bandcamp",
  "spotify",
  "ytdlp"
])
export type SourceKind = typeof SourceKind.Type

/** Another site playing a track in place of its own (the fallback): site names as users know them. */
export const Substitution = Schema.Struct({
  /** The track's own site ("YouTube"), and the one that answered ("SoundCloud"). */
  from: Schema.String,
  to: Schema.String
})
export type Substitution = typeof Substitution.Type

/** A track as the queue, the API and the database know it: metadata, never a stream URL that expires. */
export class Track extends Schema.Class<Track>("reprise/Track")({
  /** Canonical identity of the audio (e.g. `youtube:dQw4w9WgXcQ`, `file:/music/a.flac`): duplicate detection keys on it. */
  id: Schema.NonEmptyString,
  kind: SourceKind,
  /** URL or file path the source kind understands. */
  location: Schema.NonEmptyString,
  title: Schema.NonEmptyString,
  author: Schema.NullOr(Schema.String),
  /** Unknown for live streams. */
  durationMs: Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  artworkUrl: Schema.NullOr(Schema.String),
  requester: UserId,
  /**
   * True for a live stream (a radio, a YouTube live): it has no end and cannot seek. Absent for
   * everything else, including a file whose length is not known yet, which is no stream.
   */
  live: Schema.optional(Schema.Boolean),
  /** The track's chapters, in order, when its source names them; absent from tracks stored before chapters were kept. */
  chapters: Schema.optionalKey(Schema.Array(Chapter))
}) {}
