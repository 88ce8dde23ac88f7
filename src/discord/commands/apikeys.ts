/** /apikey: keys for the HTTP API, made, listed and revoked by the people who manage the server. */
import { type ChatInputCommandInteraction, PermissionFlagsBits, type SlashCommandSubcommandBuilder } from "discord.js"
import { Effect, Schema } from "effect"
import { ApiKeyName } from "../../../schema/ApiKey.ts"
import type { Actor } from "../../control/Actor.ts"
import { ApiKeys, type CreatedKey } from "../../control/ApiKeys.ts"
import { createdKeyMessage, keyListMessage, revokedText } from "../ApiKeyRender.ts"
import { actorOf, defer, discordCall, DiscordApiFailure, type Reply, respond } from "../Interaction.ts"
import { guildCommand, slash } from "./Command.ts"

const sub = (name: string, description: string, build: (s: SlashCommandSubcommandBuilder) => SlashCommandSubcommandBuilder) =>
  (s: SlashCommandSubcommandBuilder) => build(s.setName(name).setDescription(description))

const data = guildCommand("apikey", "Keys for my HTTP API (for those who manage the server)")
  // Hidden from other members by default; a server may grant it to more, and the core still checks.
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand(sub("create", "Make a new key (shown to you once)", (s) =>
    s.addStringOption((o) => o.setName("name").setDescription("A name for it").setRequired(true).setMaxLength(32))))
  .addSubcommand(sub("list", "This server's keys: who made them, when, and when they were last used", (s) => s))
  .addSubcommand(sub("revoke", "Turn a key off, at once", (s) =>
    s.addStringOption((o) =>
      o.setName("name").setDescription("The key").setRequired(true).setMaxLength(32).setAutocomplete(true)
    )))
  .toJSON()

const Options = Schema.Union([
  Schema.Struct({ subcommand: Schema.Literal("create"), name: ApiKeyName }),
  Schema.Struct({ subcommand: Schema.Literal("list") }),
  Schema.Struct({ subcommand: Schema.Literal("revoke"), name: ApiKeyName })
])

/** What is left of a failure to send the new key: discord.js puts the request's body (the key) in its errors. */
const withoutBody = (cause: unknown) => (cause instanceof Error ? `${cause.name}: ${cause.message}` : "unknown")

/**
 * Sends the reply holding the new key. When it fails nobody received the key, so it is revoked,
 * and the failure is reported without the body it carried.
 */
const handOver = (interaction: ChatInputCommandInteraction<"cached">, actor: Actor, created: CreatedKey) =>
  respond(interaction, createdKeyMessage(created)).pipe(
    Effect.catch((failure) =>
      Effect.flatMap(ApiKeys, (keys) => keys.revoke(actor, created.name).pipe(Effect.ignore)).pipe(
        Effect.andThen(Effect.fail(new DiscordApiFailure({ action: failure.action, cause: withoutBody(failure.cause) })))
      )
    )
  )

export const apikey = slash({
  data,
  options: Options,
  run: (_, actor, options, interaction) =>
    Effect.gen(function*() {
      const keys = yield* ApiKeys
      switch (options.subcommand) {
        case "create":
          yield* handOver(interaction, actor, yield* keys.create(actor, options.name))
          return null
        case "list":
          return keyListMessage(yield* keys.list(actor))
        case "revoke":
          yield* defer(interaction, { ephemeral: true })
          return { content: revokedText(yield* keys.revoke(actor, options.name)), ephemeral: true }
      }
    }),
  render: (reply: Reply | null) => reply,
  // A new key is handed over in the one reply (and revoked if that fails); a revoke defers first.
  acknowledge: "itself",
  // The guild's key names, for those who may see them; nothing for anyone else or while the database is away.
  autocomplete: Effect.fn("Commands.apikey.autocomplete")(function*(interaction) {
    const typed = interaction.options.getFocused().toLowerCase()
    const found = yield* (yield* ApiKeys).list(actorOf(interaction)).pipe(Effect.orElseSucceed(() => []))
    const choices = found.filter((key) => key.name.toLowerCase().includes(typed)).slice(0, 25)
      .map((key) => ({ name: key.name, value: key.name }))
    yield* discordCall("autocomplete", () => interaction.respond(choices))
  })
})
