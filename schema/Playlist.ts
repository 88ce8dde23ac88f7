import { Schema } from "effect"
import { SourceKind } from "./Track.ts"

/** A saved playlist's name as users type it: what the database keeps (1 to 100 characters), trimmed. */
export const PlaylistName = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(100))

/** Whose a saved playlist is, as users choose it: their own (in every server), or the server's (shared). */
export const PlaylistScope = Schema.Literals(["user", "guild"])
export type PlaylistScope = typeof PlaylistScope.Type

export const playlistFormat = "reprise.playlist"
export const playlistFormatVersion = 1

/** A track of a playlist file (docs/playlist-format.md), before its location is checked. */
export const PlaylistFileTrack = Schema.Struct({
  title: Schema.NonEmptyString.check(Schema.isMaxLength(500)),
  location: Schema.NonEmptyString.check(Schema.isMaxLength(2000)),
  kind: SourceKind,
  author: Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(500)))),
  durationMs: Schema.optional(Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))),
  artworkUrl: Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(2000))))
})

/**
 * The playlist file, version 1: what `/playlist export` writes and the API's export answers. Unknown
 * fields are ignored, so later additions stay readable. Reading one for real checks more (where each
 * track points, how many there are): src/control/PlaylistFile.ts.
 */
export const PlaylistFile = Schema.Struct({
  format: Schema.Literal(playlistFormat),
  version: Schema.Literal(playlistFormatVersion),
  name: PlaylistName,
  tracks: Schema.Array(PlaylistFileTrack)
})
