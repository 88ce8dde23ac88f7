/** `/api/v1/me`: the dashboard's member, the guilds they share with the bot, and their CSRF token. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { RepriseApi } from "./Api.ts"
import { Control } from "../control/Control.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { callerGuilds } from "./CallerGuilds.ts"
import { Caller } from "./GuildApi.ts"
import { Forbidden } from "./Problems.ts"

/** Discord's CDN address of a user's avatar. */
const avatarUrl = (userId: string, hash: string) =>
  `https://cdn.discordapp.com/avatars/${userId}/${hash}.${hash.startsWith("a_") ? "gif" : "png"}`

export const MeHandlers = HttpApiBuilder.group(RepriseApi, "me", (handlers) =>
  Effect.gen(function*() {
    const guilds = callerGuilds(yield* Control, yield* GuildDirectory)
    return handlers.handle("me", () =>
      Effect.gen(function*() {
        const caller = yield* Caller
        if (caller._tag === "Key") {
          return yield* new Forbidden({ detail: "An API key has no login: /api/v1/me answers a dashboard session." })
        }
        return {
          id: caller.userId,
          username: caller.username,
          avatar: caller.avatar === null ? null : avatarUrl(caller.userId, caller.avatar),
          guilds: yield* guilds(caller),
          csrfToken: caller.csrfToken
        }
      }))
  }))
