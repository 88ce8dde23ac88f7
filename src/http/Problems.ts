/**
 * The API's errors, each an RFC 9457 problem (`application/problem+json` with `type`, `title`,
 * `status` and `detail`), and the translation of the application core's typed failures into them.
 * Every failure a caller can cause has its status here; nothing a caller sends ends in a 500.
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { HttpServerRespondable, HttpServerResponse } from "effect/http"
import { HttpApiError, type HttpApiError as ApiErrors, HttpApiMiddleware } from "effect/http-api"
import type { ControlError } from "../control/Control.ts"
import type { RateLimited } from "../resilience/RateLimits.ts"

const problemType = (name: string) => `https://reprise.invalid/problems/${name}`

export class BadRequest extends HttpApiError.Problem<BadRequest>()("BadRequest", {
  type: problemType("bad-request"),
  status: 400,
  title: "Bad request"
}, {
  /** Each value that did not decode: where it is (`payload.level`, `query.page`) and why. */
  errors: Schema.optionalKey(Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String })))
}) {}

export class Unauthorized extends HttpApiError.Problem<Unauthorized>()("Unauthorized", {
  type: problemType("unauthorized"),
  status: 401,
  title: "Missing or unknown credentials"
}) {}

export class Forbidden extends HttpApiError.Problem<Forbidden>()("Forbidden", {
  type: problemType("forbidden"),
  status: 403,
  title: "Not allowed"
}) {}

export class NotFound extends HttpApiError.Problem<NotFound>()("NotFound", {
  type: problemType("not-found"),
  status: 404,
  title: "Not found"
}) {}

export class Conflict extends HttpApiError.Problem<Conflict>()("Conflict", {
  type: problemType("conflict"),
  status: 409,
  title: "Not possible in the player's current state"
}) {}

export class Unprocessable extends HttpApiError.Problem<Unprocessable>()("Unprocessable", {
  type: problemType("unplayable"),
  status: 422,
  title: "Could not be played"
}) {}

export class PayloadTooLarge extends HttpApiError.Problem<PayloadTooLarge>()("PayloadTooLarge", {
  type: problemType("payload-too-large"),
  status: 413,
  title: "Request body too large"
}) {}

export class TooManyRequests extends HttpApiError.Problem<TooManyRequests>()("TooManyRequests", {
  type: problemType("too-many-requests"),
  status: 429,
  title: "Too many requests"
}, {
  retryAfterSeconds: Schema.Int
}) {}

export class Unavailable extends HttpApiError.Problem<Unavailable>()("Unavailable", {
  type: problemType("unavailable"),
  status: 503,
  title: "Temporarily unavailable"
}) {}

export class BadGateway extends HttpApiError.Problem<BadGateway>()("BadGateway", {
  type: problemType("bad-gateway"),
  status: 502,
  title: "Another service refused or answered unexpectedly"
}) {}

/** 429, with the seconds to wait both in `Retry-After` and in the problem. */
export const tooMany = (limited: RateLimited) =>
  HttpServerRespondable.toResponse(
    new TooManyRequests({ detail: limited.message, retryAfterSeconds: limited.retryAfterSeconds })
  ).pipe(Effect.map(HttpServerResponse.setHeader("retry-after", String(limited.retryAfterSeconds))))

/** What a failing use-case answers with: every endpoint that calls the core declares these. */
export const ControlProblems = [BadRequest, Forbidden, NotFound, Conflict, Unprocessable, Unavailable] as const
export type ControlProblem = BadRequest | Forbidden | NotFound | Conflict | Unprocessable | Unavailable

/** Where a decoding issue sits, as the caller wrote it: `payload.level`, `query.page`. */
const fieldOf = (slot: string, path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined) =>
  [slot, ...(path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment))].join(".")

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

/** A request whose parameters, query, headers or body did not decode: 400 naming each field. */
export const badRequestOf = (error: ApiErrors.HttpApiSchemaError): BadRequest => {
  const slot = error.kind === "Params" ? "path" : error.kind.toLowerCase()
  const errors = formatIssues(error.cause.issue).issues.map((issue) => ({
    field: fieldOf(slot, issue.path),
    message: issue.message
  }))
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ")
  return new BadRequest({ detail: detail === "" ? `The request's ${slot} is not valid.` : detail, errors })
}

/**
 * Renders a request that does not decode as a 400 problem naming the offending fields, rather
 * than the empty 400 the API builder answers by default.
 */
export class RequestProblems extends HttpApiMiddleware.Service<RequestProblems>()("reprise/http/RequestProblems", {
  error: BadRequest
}) {}

export const RequestProblemsLive = HttpApiMiddleware.layerSchemaErrorTransform(
  RequestProblems,
  (error) => Effect.fail(badRequestOf(error))
)

/**
 * The problem for a failure of the application core. The core's messages are written for a
 * person; those that name a Discord channel as a mention are said here in the API's terms.
 */
export const problemOf = (error: ControlError): ControlProblem => {
  switch (error._tag) {
    case "Refusal": {
      const reason = error.reason
      switch (reason._tag) {
        case "NotInVoice":
          // A key names where to play; a dashboard member plays where they are, as in Discord.
          return new Conflict({
            detail: "The bot is in no voice channel: give voiceChannelId to say where to play (with a dashboard login, join one)."
          })
        case "BusyElsewhere":
          return new Conflict({ detail: `The bot is playing to listeners in voice channel ${reason.channelId}.` })
        case "NotInBotChannel":
          return new Forbidden({ detail: `Only listeners in voice channel ${reason.channelId} may do that.` })
        case "NotPlaying":
          return new Conflict({ detail: reason.message })
        case "NotDj":
        case "NotManager":
        case "NotAuditor":
        case "JumpNeedsDj":
        case "NotPlaylistEditor":
        case "NoOwnPlaylists":
          return new Forbidden({ detail: reason.message })
        case "BadPlaylistFile":
          // The file is the request's body: what is wrong with it is the caller's to fix.
          return new BadRequest({ detail: reason.message })
        case "LimitAboveCap":
        case "TrackTooLong":
          return new Unprocessable({ detail: reason.message })
        case "NothingFound":
        case "PlaylistNotFound":
        case "NoSuchPlaylistTrack":
          return new NotFound({ detail: reason.message })
        case "StoreUnavailable":
        case "StoreReadUnavailable":
        case "PlaylistsUnavailable":
        case "StatsUnavailable":
          return new Unavailable({ detail: reason.message })
        default:
          return new Conflict({ detail: reason.message })
      }
    }
    case "PlayerError": {
      const reason = error.reason
      switch (reason._tag) {
        case "PositionOutOfRange":
          return new NotFound({ detail: reason.message })
        case "PlayerUnavailable":
          return new Unavailable({ detail: reason.message })
        default:
          return new Conflict({ detail: reason.message })
      }
    }
    case "ResolveError": {
      const reason = error.reason
      switch (reason._tag) {
        case "NotFound":
          return new NotFound({ detail: reason.message })
        case "Transient":
        case "Timeout":
        case "Busy":
        case "SourceDown":
          return new Unavailable({ detail: reason.message })
        default:
          return new Unprocessable({ detail: reason.message })
      }
    }
    case "VoiceError":
      return new Unavailable({ detail: error.reason.message })
  }
}

/** Runs a use-case, its failure as the API's problem. */
export const orProblem = <A, E extends ControlError, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, problemOf)
