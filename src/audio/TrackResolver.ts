import { stat } from "node:fs/promises"
import { Context, Effect, Layer } from "effect"
import type { Track } from "../../schema/Track.ts"
import type { Playable } from "./Playable.ts"
import { Failed, NotFound, resolveError, type ResolveError, SourceDisabled, Unsupported } from "../resolve/ResolveError.ts"

/**
 * Turns a queued track into something FFmpeg can read. The track-resolution issue adds
 * `resolve(query, requester)` and the yt-dlp/Spotify kinds; this issue plays files and
 * direct http(s) URLs.
 */
export class TrackResolver extends Context.Service<TrackResolver, {
  readonly playable: (track: Track) => Effect.Effect<Playable, ResolveError>
}>()("reprise/audio/TrackResolver") {
  /** Local files and http(s) URLs, handed to FFmpeg as they are. */
  static readonly layerDirect = Layer.succeed(
    TrackResolver,
    TrackResolver.of({
      playable: Effect.fn("TrackResolver.playable")(function*(track: Track) {
        yield* Effect.annotateCurrentSpan({ "track.id": track.id, "track.kind": track.kind })
        switch (track.kind) {
          case "file":
            return yield* filePlayable(track.location)
          case "http":
            return yield* httpPlayable(track.location)
          default:
            return yield* Effect.fail(
              resolveError(track.kind, new SourceDisabled({ message: "this source is not available yet" }))
            )
        }
      })
    })
  )
}

/** Opus in WebM/Ogg can skip re-encoding when nothing alters the sound; anything else is decoded. */
export const codecFromName = (name: string): Playable["codec"] => {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase()
  return ext === "webm" ? "webm-opus" : ext === "opus" || ext === "ogg" ? "ogg-opus" : "unknown"
}

const filePlayable = (path: string) =>
  Effect.tryPromise({
    try: () => stat(path),
    catch: (cause) =>
      resolveError(
        "file",
        new NotFound({ message: "the file does not exist or cannot be read", detail: String(cause) })
      )
  }).pipe(
    Effect.flatMap((info) =>
      info.isFile()
        ? Effect.succeed<Playable>({
          input: path,
          httpHeaders: {},
          codec: codecFromName(path),
          expiresAt: null,
          isLive: false
        })
        : Effect.fail(resolveError("file", new Failed({ message: "the path is not a file", detail: path })))
    )
  )

const httpPlayable = (location: string) => {
  const url = URL.parse(location)
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return Effect.fail(resolveError("http", new Unsupported({ message: `not an http(s) URL: ${location}` })))
  }
  return Effect.succeed<Playable>({
    input: url.href,
    httpHeaders: {},
    codec: codecFromName(url.pathname),
    expiresAt: null,
    isLive: false
  })
}
