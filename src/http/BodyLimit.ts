import { ByteSize, Effect } from "effect"
import { HttpIncomingMessage, HttpServerRequest, HttpServerRespondable, type HttpServerResponse } from "effect/http"
import { PayloadTooLarge } from "./Problems.ts"

/** The most a request body may hold: every payload of the API is a few fields. */
export const maxBodyBytes = 16 * 1024

/**
 * Server middleware: a body announced as larger than the limit is refused with 413 before it is
 * read, and a body sent without a length stops being read at the limit.
 */
export const bodyLimit = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > maxBodyBytes) {
      return yield* HttpServerRespondable.toResponse(
        new PayloadTooLarge({ detail: `The request body is ${length} bytes; at most ${maxBodyBytes} are accepted.` })
      )
    }
    return yield* Effect.provideService(app, HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes))
  })
