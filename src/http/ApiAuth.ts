/**
 * Who calls the API: the bearer of one of a guild's API keys, looked up on every request, so a
 * revoked key is refused from the next request on, and counted against the key's and the guild's
 * request budgets. The key itself is never logged.
 */
import { Effect, Layer, Option } from "effect"
import { HttpServerRespondable, HttpServerResponse } from "effect/http"
import { ApiKeys } from "../control/ApiKeys.ts"
import { type RateLimited, RateLimits } from "../resilience/RateLimits.ts"
import { ApiAuth, Caller } from "./GuildApi.ts"
import { TooManyRequests, Unauthorized, Unavailable } from "./Problems.ts"

/** 429, with the seconds to wait both in `Retry-After` and in the problem. */
const tooMany = (limited: RateLimited) =>
  HttpServerRespondable.toResponse(
    new TooManyRequests({ detail: limited.message, retryAfterSeconds: limited.retryAfterSeconds })
  ).pipe(Effect.map(HttpServerResponse.setHeader("retry-after", String(limited.retryAfterSeconds))))

export const ApiAuthLive = Layer.effect(
  ApiAuth,
  Effect.gen(function*() {
    const keys = yield* ApiKeys
    const limits = yield* RateLimits
    return ApiAuth.of({
      apiKey: (httpEffect, { credential }) =>
        Effect.gen(function*() {
          const holder = yield* keys.authenticate(credential).pipe(
            Effect.catch((error) =>
              Effect.logWarning("API keys could not be checked", error).pipe(
                Effect.andThen(Effect.fail(new Unavailable({ detail: "API keys cannot be checked right now; try again soon." })))
              )
            )
          )
          if (Option.isNone(holder)) {
            return yield* new Unauthorized({ detail: "Send a valid API key as `Authorization: Bearer rpk_…` (see /apikey create)." })
          }
          const { guildId, keyName } = holder.value
          const limited = yield* Effect.flip(
            Effect.andThen(limits.consume("api-key", `${guildId}:${keyName}`), limits.consume("api-guild", guildId))
          ).pipe(Effect.option)
          if (Option.isSome(limited)) return yield* tooMany(limited.value)
          return yield* Effect.provideService(httpEffect, Caller, holder.value)
        })
    })
  })
)
