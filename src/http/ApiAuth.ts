/**
 * Who calls the API: the bearer of one of a guild's API keys (`ApiKeys.authenticate`: a revoked
 * key is refused from the next request on), counted against the key's and the guild's
 * request budgets; or, without a key, a dashboard session (Sessions.ts). The key itself is never
 * logged.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpServerRespondable } from "effect/http"
import { ApiKeys } from "../control/ApiKeys.ts"
import { RateLimits } from "../resilience/RateLimits.ts"
import { ApiAuth, Caller } from "./GuildApi.ts"
import { tooMany, Unauthorized, Unavailable } from "./Problems.ts"
import { sessionAuth } from "./Sessions.ts"

export const ApiAuthLive = Layer.effect(
  ApiAuth,
  Effect.gen(function*() {
    const keys = yield* ApiKeys
    const limits = yield* RateLimits
    const session = yield* sessionAuth
    return ApiAuth.of({
      // A failure here lets the next scheme (the session) try; so only a request without a key
      // fails, and a key that is refused is answered here, never taken for a session.
      apiKey: (httpEffect, { credential }) =>
        Redacted.value(credential) === ""
          ? Effect.fail(new Unauthorized({ detail: "No API key was sent." }))
          : Effect.gen(function*() {
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
            return yield* Effect.andThen(limits.consume("api-key", `${guildId}:${keyName}`), limits.consume("api-guild", guildId))
              .pipe(Effect.matchEffect({
                onFailure: tooMany,
                onSuccess: () => Effect.provideService(httpEffect, Caller, { _tag: "Key", ...holder.value })
              }))
          }).pipe(Effect.catchTag(["Unauthorized", "Unavailable"], HttpServerRespondable.toResponse)),
      session: (httpEffect, { credential }) => session(httpEffect, credential)
    })
  })
)
