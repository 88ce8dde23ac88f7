/**
 * Who calls the API: the bearer of one of a guild's API keys, looked up on every request, so a
 * revoked key is refused from the next request on. The key itself is never logged.
 */
import { Effect, Layer, Option } from "effect"
import { ApiKeys } from "../control/ApiKeys.ts"
import { ApiAuth, Caller } from "./GuildApi.ts"
import { Unauthorized, Unavailable } from "./Problems.ts"

export const ApiAuthLive = Layer.effect(
  ApiAuth,
  Effect.gen(function*() {
    const keys = yield* ApiKeys
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
          return yield* Effect.provideService(httpEffect, Caller, holder.value)
        })
    })
  })
)
