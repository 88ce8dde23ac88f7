/**
 * The guilds a caller may see, as `/api/v1/guilds` and `/api/v1/me` list them: an API key's own
 * guild; for a session, the guilds Discord listed at login that the bot is in and where the gateway
 * still knows the user as a member (one who left since logging in is not listed).
 */
import { Effect, Option } from "effect"
import type { GuildSummary } from "../../schema/ApiV1.ts"
import type { GuildId, UserId } from "../../schema/Ids.ts"
import type { Control } from "../control/Control.ts"
import type { GuildDirectory } from "../gateway/GuildDirectory.ts"
import type { Calling } from "./GuildApi.ts"

export const callerGuilds = (control: Control["Service"], directory: GuildDirectory["Service"]) => {
  const summary = (guildId: GuildId, memberId: UserId | null) =>
    Effect.gen(function*() {
      const guild = yield* directory.guild(guildId)
      if (Option.isNone(guild)) return Option.none<GuildSummary>()
      if (memberId !== null && Option.isNone(yield* directory.member(guildId, memberId))) return Option.none<GuildSummary>()
      const active = (yield* control.voiceChannel(guildId)) !== null
      return Option.some<GuildSummary>({ ...guild.value, active })
    })
  return Effect.fn("Api.callerGuilds")(function*(caller: Calling) {
    const ids = caller._tag === "Key" ? [caller.guildId] : caller.guildIds
    const memberId = caller._tag === "Key" ? null : caller.userId
    const found = yield* Effect.forEach(ids, (id) => summary(id, memberId), { concurrency: 4 })
    return found.flatMap((guild) => Option.isSome(guild) ? [guild.value] : [])
  })
}
