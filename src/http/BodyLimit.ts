import { ByteSize, Effect } from "effect"
import { HttpIncomingMessage, HttpServerRequest, HttpServerRespondable, type HttpServerResponse } from "effect/http"
import { maxPlaylistFileBytes } from "../control/PlaylistFile.ts"
import { PayloadTooLarge } from "./Problems.ts"

/** The most a request body may hold: every payload of the API is a few fields. */
export const maxBodyBytes = 16 * 1024

/**
 * A playlist import's body is a whole playlist file: at MAX_PLAYLIST_SIZE tracks, what an export
 * answers is far past 16 KiB, and it must come back in. It gets the limit `/playlist import` has
 * for the same file, and no more; an upload to play gets /playfile's; every other route keeps the small one.
 */
const importRoute = /^\/api\/v1\/guilds\/[^/?]+\/playlists\/import(?:\?|$)/

/** An audio file to play is as large as /playfile allows, with room for the form around it. */
const uploadRoute = /^\/api\/v1\/guilds\/[^/?]+\/queue\/upload(?:\?|$)/
const formOverheadBytes = 64 * 1024

const limitOf = (request: HttpServerRequest.HttpServerRequest, uploadMaxBytes: number): number =>
  request.method !== "POST"
    ? maxBodyBytes
    : importRoute.test(request.url)
    ? maxPlaylistFileBytes
    : uploadRoute.test(request.url)
    ? uploadMaxBytes + formOverheadBytes
    : maxBodyBytes

/**
 * Server middleware: a body announced as larger than the limit is refused with 413 before it is
 * read, and a body sent without a length stops being read at the limit.
 */
export const bodyLimit = (options: { readonly uploadMaxBytes: number }) =>
<E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const limit = limitOf(request, options.uploadMaxBytes)
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > limit) {
      return yield* HttpServerRespondable.toResponse(
        new PayloadTooLarge({ detail: `The request body is ${length} bytes; at most ${limit} are accepted.` })
      )
    }
    return yield* Effect.provideService(app, HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit))
  })
