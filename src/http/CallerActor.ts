/** Who calls the API, as the application core's `Actor` in the guild the request names. */
import { Effect, Option } from "effect"
import type { ChannelId, GuildId } from "../../schema/Ids.ts"
import type { Actor } from "../control/Actor.ts"
import { Control } from "../control/Control.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { Caller } from "./GuildApi.ts"
import { Forbidden, NotFound } from "./Problems.ts"

/**
 * The caller as an actor of `guildId`: its key's own guild only, one the bot is in. It is where
 * the bot is, unless it names a voice channel of the guild.
 */
export const callerIn = Effect.fn("Api.actor")(function*(guildId: GuildId, voiceChannelId: ChannelId | null = null) {
  const caller = yield* Caller
  const control = yield* Control
  const directory = yield* GuildDirectory
  yield* Effect.annotateCurrentSpan({ "guild.id": guildId, "user.id": caller.userId, "api.key": caller.keyName })
  if (caller.guildId !== guildId) {
    return yield* new Forbidden({ detail: "This API key belongs to another server." })
  }
  if (Option.isNone(yield* directory.guild(guildId))) {
    return yield* new NotFound({ detail: "The bot is not in this server." })
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
