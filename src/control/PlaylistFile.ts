/**
 * The file `/playlist export` writes and `/playlist import` reads: versioned JSON, described in
 * docs/playlist-format.md. Reading decodes it with a Schema and checks every track, because a
 * file can say anything: a track may only point where a user could have pointed the bot with
 * `/play`, and its id is derived here from its location, never taken from the file.
 */
import { Result, Schema, SchemaIssue } from "effect"
import { PlaylistFile, PlaylistFileTrack, playlistFormat, playlistFormatVersion } from "../../schema/Playlist.ts"
import type { SourceKind } from "../../schema/Track.ts"
import type { PlaylistTrack } from "../persistence/PlaylistRepo.ts"
import type { TrackInfo } from "../resolve/Resolution.ts"
import { BadPlaylistFile } from "./Refusal.ts"

/** Larger files are refused before they are read. */
export const maxPlaylistFileBytes = 1024 * 1024

/** Where a track points, made canonical: the id playback and duplicate detection key on, and the location. */
type Canonical = { readonly id: string; readonly location: string } | { readonly problem: string }

const webUrl = (location: string): URL | null => {
  const url = URL.parse(location)
  return url !== null && (url.protocol === "https:" || url.protocol === "http:") ? url : null
}

const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^(www|m|music)\./, "")

const youtubeVideo = (url: URL): string | null => {
  const host = hostOf(url)
  const candidate = host === "youtu.be"
    ? url.pathname.slice(1)
    : host === "youtube.com"
    ? url.searchParams.get("v") ?? /^\/(?:shorts|live)\/([^/]+)/.exec(url.pathname)?.[1] ?? null
    : null
  return candidate !== null && /^[\w-]{11}$/.test(candidate) ? candidate : null
}

/**
 * The canonical id and location of a track of `kind` at `location`, or why it cannot be imported.
 * Links of the web kinds are checked again by the URL guard when they play; the site kinds are
 * handed to yt-dlp as they are, so their host must be that site's.
 */
export const canonicalTrack = (kind: SourceKind, location: string): Canonical => {
  const url = webUrl(location)
  const linked = (at: URL): Canonical => ({ id: `${kind}:${at.href}`, location: at.href })
  switch (kind) {
    case "file":
      return { problem: "points at a file on the bot's own disk, which can't be imported" }
    case "local":
      return url !== null || location.startsWith("/") || location.split(/[\\/]/).includes("..") || location.includes("\0")
        ? { problem: "should be a path inside the music library" }
        : { id: `local:${location}`, location }
    case "youtube": {
      const video = url === null ? null : youtubeVideo(url)
      return video === null
        ? { problem: "should be a YouTube video link" }
        : { id: `youtube:${video}`, location: `https://www.youtube.com/watch?v=${video}` }
    }
    case "spotify": {
      const id = url !== null && hostOf(url) === "open.spotify.com"
        ? /^\/(?:intl-[\w-]+\/)?track\/([A-Za-z0-9]{22})$/.exec(url.pathname)?.[1] ?? null
        : null
      return id === null
        ? { problem: "should be a Spotify track link" }
        : { id: `spotify:${id}`, location: `https://open.spotify.com/track/${id}` }
    }
    case "soundcloud":
      return url !== null && hostOf(url) === "soundcloud.com" ? linked(url) : { problem: "should be a SoundCloud link" }
    case "bandcamp":
      return url !== null && (hostOf(url) === "bandcamp.com" || hostOf(url).endsWith(".bandcamp.com"))
        ? linked(url)
        : { problem: "should be a Bandcamp link" }
    case "http":
    case "ytdlp":
    case "attachment":
      return url === null ? { problem: "should be an http or https link" } : linked(url)
  }
}

const FileTrack = PlaylistFileTrack.check(
  Schema.makeFilter((track) => {
    const canonical = canonicalTrack(track.kind, track.location)
    return "problem" in canonical ? { path: ["location"], issue: canonical.problem } : undefined
  })
)

/** The file as version 1 defines it; unknown fields are ignored, so later additions stay readable. */
const documentSchema = (maxTracks: number) =>
  Schema.Struct({
    ...PlaylistFile.fields,
    tracks: Schema.Array(FileTrack).check(
      Schema.isMaxLength(maxTracks, { expected: `a list of at most ${maxTracks} tracks` })
    )
  })

export type PlaylistDocument = Schema.Codec.Encoded<ReturnType<typeof documentSchema>>

export const toDocument = (name: string, tracks: ReadonlyArray<PlaylistTrack>): PlaylistDocument => ({
  format: playlistFormat,
  version: playlistFormatVersion,
  name,
  tracks: tracks.map((t) => ({
    title: t.title,
    location: t.location,
    kind: t.kind,
    author: t.author,
    durationMs: t.durationMs,
    artworkUrl: t.artworkUrl
  }))
})

/** The file's text: indented, so that it reads and diffs well. */
export const documentText = (document: PlaylistDocument): string => `${JSON.stringify(document, null, 2)}\n`

const toStandard = SchemaIssue.makeFormatterStandardSchemaV1()

/** `["tracks", 3, "kind"]` → `track 4's "kind"`: the words a user finds the place in the file by. */
const fieldName = (path: ReadonlyArray<PropertyKey>): string | null => {
  const [first, index, ...rest] = path.map(String)
  if (first === undefined) return null
  if (first === "tracks" && index !== undefined && /^\d+$/.test(index)) {
    const track = `track ${Number(index) + 1}`
    return rest.length === 0 ? track : `${track}'s "${rest.join(".")}"`
  }
  return `"${[first, ...(index === undefined ? [] : [index]), ...rest].join(".")}"`
}

const problemOf = (message: string): string =>
  message === "Missing key" ? "is missing" : message.replace(/^Expected /, "should be ")

export interface ImportedPlaylist {
  readonly name: string
  readonly tracks: ReadonlyArray<TrackInfo>
}

/** Reads a playlist file's text; the refusal names the first problem and where it is. */
export const readDocument = (text: string, maxTracks: number): Result.Result<ImportedPlaylist, BadPlaylistFile> => {
  const json = Result.try((): unknown => JSON.parse(text))
  if (Result.isFailure(json)) return Result.fail(new BadPlaylistFile({ field: null, problem: "it isn't JSON" }))
  const decoded = Schema.decodeUnknownResult(documentSchema(maxTracks))(json.success)
  if (Result.isFailure(decoded)) {
    const issue = toStandard(decoded.failure.issue).issues[0]
    const field = fieldName((issue?.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment)))
    const problem = problemOf(issue?.message ?? "isn't a Reprise playlist")
    return Result.fail(new BadPlaylistFile({ field, problem: field === null ? `it ${problem}` : problem }))
  }
  const document = decoded.success
  return Result.succeed({
    name: document.name,
    tracks: document.tracks.flatMap((t): ReadonlyArray<TrackInfo> => {
      const canonical = canonicalTrack(t.kind, t.location)
      return "problem" in canonical ? [] : [{
        id: canonical.id,
        kind: t.kind,
        location: canonical.location,
        title: t.title,
        author: t.author ?? null,
        durationMs: t.durationMs ?? null,
        artworkUrl: t.artworkUrl ?? null
      }]
    })
  })
}
