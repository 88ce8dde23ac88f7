/**
 * What every handler shares: replying, option decoding, and who is asking.
 */
import {
  type AutocompleteInteraction,
  type BaseMessageOptions,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  MessageFlags,
  type MessageComponentInteraction
} from "discord.js"
import { Clock, Effect, Schema, SchemaIssue } from "effect"
import { GuildId } from "../../schema/Ids.ts"
import { type Actor, member } from "../control/Actor.ts"
import { memberInfo } from "../gateway/GuildDirectory.ts"
import { firstAnswerMs, followUpMs } from "../gateway/InteractionWindow.ts"

/** An option value Discord let through that the command cannot use: shown to the user alone. */
export class BadOptions extends Schema.TaggedError<BadOptions>()("BadOptions", { message: Schema.String }) {}

/** Discord's API refused or failed a call the bot made (an unexpected failure). */
export class DiscordApiFailure extends Schema.TaggedError<DiscordApiFailure>()("DiscordApiFailure", {
  action: Schema.String,
  cause: Schema.Unknown
}) {}

export type CachedInteraction = ChatInputCommandInteraction<"cached"> | MessageComponentInteraction<"cached">

/** Runs one discord.js call; its failure is unexpected (the user cannot fix it). */
export const discordCall = <A>(action: string, call: () => Promise<A>): Effect.Effect<A, DiscordApiFailure> =>
  Effect.tryPromise({ try: call, catch: (cause) => new DiscordApiFailure({ action, cause }) })

/** The member behind an interaction, as the application core knows callers. */
export const actorOf = (interaction: CachedInteraction | AutocompleteInteraction<"cached">): Actor =>
  member("discord", GuildId.make(interaction.guildId), memberInfo(interaction.member))

/** What a handler answers: a message, shown to the asker alone when `ephemeral`. */
export type Reply = BaseMessageOptions & { readonly ephemeral?: boolean }

/**
 * A component acknowledged by updating (`deferUpdate`, `update`): its "reply" is the message it
 * sits on (discord.js leaves `ephemeral` unset then), which a private answer must not replace.
 */
const answeredOnItsMessage = (interaction: CachedInteraction) =>
  interaction.isMessageComponent() && (interaction.deferred || interaction.replied) && interaction.ephemeral === null

/** A private answer after a public acknowledgement: the placeholder of a deferral goes, an ephemeral follow-up says it. */
const followUpPrivately = (interaction: CachedInteraction, body: BaseMessageOptions) =>
  Effect.gen(function*() {
    if (interaction.deferred && !interaction.replied && !answeredOnItsMessage(interaction)) {
      yield* discordCall("deleteReply", () => interaction.deleteReply())
    }
    yield* discordCall("followUp", () => interaction.followUp({ ...body, flags: MessageFlags.Ephemeral }))
  })

/** Answers the interaction: the first answer, or an edit of the deferred one (a follow-up when it is private and that was public). */
export const respond = (interaction: CachedInteraction, message: Reply): Effect.Effect<void, DiscordApiFailure> => {
  const { ephemeral, ...body } = message
  if (interaction.deferred || interaction.replied) {
    return ephemeral === true && interaction.ephemeral !== true
      ? followUpPrivately(interaction, body)
      : discordCall("editReply", () => interaction.editReply(body)).pipe(Effect.asVoid)
  }
  return discordCall(
    "reply",
    () => interaction.reply({ ...body, ...(ephemeral === true ? { flags: MessageFlags.Ephemeral } : {}) })
  ).pipe(Effect.asVoid)
}

/** An answer only its asker sees; after a public acknowledgement it follows up privately. */
export const answerPrivately = (interaction: CachedInteraction, content: string) =>
  respond(interaction, { content, components: [], embeds: [], ephemeral: true })

/** Acknowledges at once (Discord's 3-second rule); the answer follows with `respond`. */
export const defer = (interaction: CachedInteraction, options: { readonly ephemeral?: boolean } = {}) =>
  interaction.deferred || interaction.replied
    ? Effect.void
    : discordCall(
      "deferReply",
      () => interaction.deferReply(options.ephemeral === true ? { flags: MessageFlags.Ephemeral } : {})
    ).pipe(Effect.asVoid)

/** Acknowledges a component at once, leaving its message as it is until an edit (`respond`) changes it. */
export const deferUpdate = (interaction: MessageComponentInteraction<"cached">) =>
  interaction.deferred || interaction.replied
    ? Effect.void
    : discordCall("deferUpdate", () => interaction.deferUpdate()).pipe(Effect.asVoid)

/**
 * Whether the interaction can still be answered at all: once acknowledged, for the token's 15
 * minutes; before that, until its first answer's 3 seconds are over.
 */
export const answerable = (interaction: CachedInteraction) =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const created = interaction.createdTimestamp
    const window = interaction.deferred || interaction.replied ? followUpMs : firstAnswerMs
    return now < created + window
  })

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

/** Decodes a command's options; a bad value becomes a message naming the option. */
export const decodeOptions = <S extends Schema.Top>(
  schema: S,
  interaction: ChatInputCommandInteraction<"cached">
): Effect.Effect<S["Type"], BadOptions, S["DecodingServices"]> =>
  Schema.decodeUnknownEffect(schema)(optionRecord(interaction.options.data), { onExcessProperty: "ignore" }).pipe(
    Effect.mapError((error) => {
      const issue = toStandard(error.issue).issues[0]
      const name = issue?.path?.[0]
      return new BadOptions({
        message: name === undefined
          ? "I couldn't understand those options."
          : `The value for \`${String(name)}\` isn't valid: ${issue?.message ?? "check it and try again"}.`
      })
    })
  )
