import { Effect } from "effect"
import type { Source, SourceDeps } from "../Source.ts"
import * as AttachmentSource from "./AttachmentSource.ts"
import * as DirectSource from "./DirectSource.ts"
import * as LocalLibrary from "./LocalLibrary.ts"
import * as PlainFiles from "./PlainFiles.ts"
import * as SpotifySource from "./SpotifySource.ts"
import * as YtDlpSource from "./YtDlpSource.ts"

/**
 * Every source of tracks, built once per resolver. `registry` is the order a query is offered in,
 * and so the precedence users rely on: a `local:` name first, then Spotify URIs and links, then
 * links to audio files and HLS playlists, then any other link (a page for yt-dlp, after the URL
 * guard) and plain words (a yt-dlp search). Sources no query reaches follow, for the kinds they
 * make playable. A new source is its module and one line in `registry`.
 *
 * The sources the resolver also needs by name (autocomplete, autoplay, uploads) are returned as such.
 */
export const makeSources = Effect.fnUntraced(function*(deps: SourceDeps) {
  const ytdlp = yield* YtDlpSource.make(deps)
  const local = LocalLibrary.make(deps)
  const attachments = AttachmentSource.make(deps)
  const spotify = yield* SpotifySource.make({ ...deps, search: ytdlp.search, play: ytdlp.stream })
  const registry: ReadonlyArray<Source> = [
    local,
    spotify,
    DirectSource.make(deps),
    ytdlp,
    attachments,
    PlainFiles.source
  ]
  return { registry, ytdlp, local, spotify, attachments }
})
