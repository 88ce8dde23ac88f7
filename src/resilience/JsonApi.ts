/**
 * One GET of a JSON API an operator configured (LRCLIB, SponsorBlock): the status read the way
 * such APIs use it, the body decoded with a Schema, the whole exchange within a time limit.
 */
import { Duration, Effect, Option, Schema } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"

/** Why a call gave no answer; `detail` (path, status, decode problem) is for the log. */
export class JsonApiError extends Schema.TaggedError<JsonApiError>()("JsonApiError", {
  /** `Unreachable`: no answer, or a busy or failing server (5xx, 429), worth asking again later; `BadAnswer`: anything else. */
  kind: Schema.Literals(["Unreachable", "BadAnswer"]),
  detail: Schema.String
}) {}

/** The APIs called here (LRCLIB, SponsorBlock) ask their clients to say who they are. */
export const userAgent = "Reprise/0.1.0 (self-hosted Discord music bot)"

/** The decoded body of a 200, or none for a 404 (the API's "there is no such thing"). */
export const getJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
  http: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  schema: S,
  timeout: Duration.Duration
): Effect.Effect<Option.Option<S["Type"]>, JsonApiError> => {
  const path = URL.parse(request.url)?.pathname ?? request.url
  const fail = (kind: JsonApiError["kind"], detail: string) => new JsonApiError({ kind, detail: `${path}: ${detail}` })
  return Effect.gen(function*() {
    const response = yield* http.execute(
      request.pipe(HttpClientRequest.acceptJson, HttpClientRequest.setHeader("User-Agent", userAgent))
    ).pipe(
      Effect.mapError((error) => fail("Unreachable", `${error._tag} ${error.message}`))
    )
    if (response.status === 404) return Option.none()
    if (response.status >= 500 || response.status === 429) return yield* fail("Unreachable", `HTTP ${response.status}`)
    if (response.status !== 200) return yield* fail("BadAnswer", `HTTP ${response.status}`)
    const body = yield* response.json.pipe(Effect.mapError((error) => fail("BadAnswer", error.message)))
    return Option.some(
      yield* Schema.decodeUnknownEffect(schema)(body).pipe(Effect.mapError((error) => fail("BadAnswer", error.message)))
    )
  }).pipe(
    // The budget covers the body too: a server that stalls mid-answer is as unreachable as one that never answers.
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(fail("Unreachable", `no answer within ${Duration.format(timeout)}`))
    })
  )
}
