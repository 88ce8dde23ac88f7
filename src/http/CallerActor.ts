/** Who calls the API, as the application core's `Actor` in the guild the request names. */
import { Effect, Option } from "effect"
import type { ChannelId, GuildId } from "../../schema/Ids.ts"
import type { Actor } from "../control/Actor.ts"
import { Control } from "../control/Control.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { Caller } from "./GuildApi.ts"
import { Forbidden, NotFound } from "./Problems.ts"

/**
 * The caller as an actor of `guildId`, one the bot is in. A key: its own guild only, where the bot
 * is unless the request names a voice channel of the guild. A session: the member as the gateway
 * knows them (roles, Manage Server, voice channel), so Discord's rules apply as they are; what they
 * start plays in their own voice channel, whatever the request names.
 */
export const makeCallerIn = Effect.gen(function*() {
  const control = yield* Control
  const directory = yield* GuildDirectory
  return Effect.fn("Api.actor")(function*(guildId: GuildId, voiceChannelId: ChannelId | null = null) {
    const caller = yield* Caller
    yield* Effect.annotateCurrentSpan({
      "guild.id": guildId,
      "user.id": caller.userId,
      ...(caller._tag === "Key" ? { "api.key": caller.keyName } : { "api.session": true })
    })
    if (caller._tag === "Key" && caller.guildId !== guildId) {
      return yield* new Forbidden({ detail: "This API key belongs to another server." })
    }
    if (Option.isNone(yield* directory.guild(guildId))) {
      return yield* new NotFound({ detail: "The bot is not in this server." })
    }
    if (caller._tag === "Session") {
      const member = yield* control.member("http", guildId, caller.userId)
      if (Option.isNone(member)) return yield* new Forbidden({ detail: "You are not a member of this server." })
      return member.value
    }
    if (voiceChannelId !== null && !(yield* directory.hasVoiceChannel(guildId, voiceChannelId))) {
      return yield* new NotFound({ detail: `This server has no voice channel ${voiceChannelId}.` })
    }
    const actor: Actor = {
      _tag: "Key",
      origin: "http",
      guildId,
      userId: caller.userId,
      keyName: caller.keyName,
      voiceChannelId: voiceChannelId ?? (yield* control.voiceChannel(guildId))
    }
    return actor
  })
})
