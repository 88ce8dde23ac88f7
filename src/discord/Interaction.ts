/**
 * What every handler shares: typed errors, replying, option decoding and the permission gate.
 */
import {
  type BaseMessageOptions,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type GuildMember,
  MessageFlags,
  type MessageComponentInteraction,
  PermissionFlagsBits
} from "discord.js"
import { Effect, Schema, SchemaIssue } from "effect"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { DiscordVoice } from "../voice/DiscordVoice.ts"
import { type Action, type Actor, decide, type Room } from "./Permissions.ts"

/** Something the user can fix: shown to them alone, short and kind. */
export class Refusal extends Schema.TaggedError<Refusal>()("Refusal", { message: Schema.String }) {}

/** Discord's API refused or failed a call the bot made (an unexpected failure). */
export class DiscordApiFailure extends Schema.TaggedError<DiscordApiFailure>()("DiscordApiFailure", {
  action: Schema.String,
  cause: Schema.Unknown
}) {}

export type CachedInteraction = ChatInputCommandInteraction<"cached"> | MessageComponentInteraction<"cached">

/** Runs one discord.js call; its failure is unexpected (the user cannot fix it). */
export const discordCall = <A>(action: string, call: () => Promise<A>): Effect.Effect<A, DiscordApiFailure> =>
  Effect.tryPromise({ try: call, catch: (cause) => new DiscordApiFailure({ action, cause }) })

export const ids = (interaction: CachedInteraction) => ({
  guildId: GuildId.make(interaction.guildId),
  userId: UserId.make(interaction.user.id)
})

/** Answers the interaction: the first answer, or an edit of the deferred one. */
export const respond = (
  interaction: CachedInteraction,
  message: BaseMessageOptions & { readonly ephemeral?: boolean }
): Effect.Effect<void, DiscordApiFailure> => {
  const { ephemeral, ...body } = message
  if (interaction.deferred || interaction.replied) {
    return discordCall("editReply", () => interaction.editReply(body)).pipe(Effect.asVoid)
  }
  return discordCall(
    "reply",
    () => interaction.reply({ ...body, ...(ephemeral === true ? { flags: MessageFlags.Ephemeral } : {}) })
  ).pipe(Effect.asVoid)
}

/** Acknowledges at once (Discord's 3-second rule); the answer follows with `respond`. */
export const defer = (interaction: CachedInteraction, options: { readonly ephemeral?: boolean } = {}) =>
  interaction.deferred || interaction.replied
    ? Effect.void
    : discordCall(
      "deferReply",
      () => interaction.deferReply(options.ephemeral === true ? { flags: MessageFlags.Ephemeral } : {})
    ).pipe(Effect.asVoid)

const toStandard = SchemaIssue.makeFormatterStandardSchemaV1()

/** The options as a plain record (a subcommand's own options when there is one). */
const optionRecord = (options: ReadonlyArray<CommandInteractionOption<"cached">>): Record<string, unknown> => {
  const record: Record<string, unknown> = {}
  for (const option of options) {
    if (option.options !== undefined && option.value === undefined) {
      record["subcommand"] = option.name
      Object.assign(record, optionRecord(option.options))
    } else if (option.attachment !== undefined) {
      const a = option.attachment
      record[option.name] = { id: a.id, url: a.url, filename: a.name, size: a.size, contentType: a.contentType ?? null }
    } else if (option.role !== undefined && option.role !== null) {
      record[option.name] = option.role.id
    } else {
      record[option.name] = option.value
    }
  }
  return record
}

/** Decodes a command's options; a bad value becomes a Refusal naming the option. */
export const decodeOptions = <S extends Schema.Top>(
  schema: S,
  interaction: ChatInputCommandInteraction<"cached">
): Effect.Effect<S["Type"], Refusal, S["DecodingServices"]> =>
  Schema.decodeUnknownEffect(schema)(optionRecord(interaction.options.data), { onExcessProperty: "ignore" }).pipe(
    Effect.mapError((error) => {
      const issue = toStandard(error.issue).issues[0]
      const name = issue?.path?.[0]
      return new Refusal({
        message: name === undefined
          ? "I couldn't understand those options."
          : `The value for \`${String(name)}\` isn't valid: ${issue?.message ?? "check it and try again"}.`
      })
    })
  )

const actorOf = (member: GuildMember): Actor => ({
  userId: member.id,
  roleIds: [...member.roles.cache.keys()],
  manager: member.permissions.has(PermissionFlagsBits.ManageGuild),
  voiceChannelId: member.voice.channelId
})

/** Everything the permission rules look at, for this interaction's guild and member. */
export const situation = Effect.fn("Interaction.situation")(function*(interaction: CachedInteraction) {
  const { guildId, userId } = ids(interaction)
  yield* Effect.annotateCurrentSpan({ "guild.id": guildId, "user.id": userId })
  const voice = yield* DiscordVoice
  const registry = yield* PlayerRegistry
  const settings = yield* (yield* GuildSettingsRepo).access(guildId).pipe(Effect.orDie)
  const botChannelId = yield* voice.channelOf(guildId)
  const botChannel = botChannelId === null ? undefined : interaction.guild.channels.cache.get(botChannelId)
  const listeners = botChannel !== undefined && botChannel.isVoiceBased()
    ? botChannel.members.filter((m) => !m.user.bot).size
    : 0
  const state = yield* registry.state(guildId)
  const room: Room = {
    botChannelId,
    listeners,
    djRoleId: settings.djRoleId,
    currentRequester: state.queue.current?.track.requester ?? null
  }
  return { actor: actorOf(interaction.member), room, settings, state }
})

/** Fails with a Refusal unless `action` is allowed; a vote is returned for the caller to run. */
export const authorize = Effect.fn("Interaction.authorize")(function*(action: Action, interaction: CachedInteraction) {
  const s = yield* situation(interaction)
  const verdict = decide(action, s.actor, s.room)
  if (verdict._tag === "Refused") return yield* new Refusal({ message: verdict.message })
  return { ...s, vote: verdict._tag === "Vote" }
})
