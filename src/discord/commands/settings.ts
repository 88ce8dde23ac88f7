/** /settings [djrole] [nodj] [voteskip] [autoplay]: Manage Server, or the DJ role once there is one. */
import type { ChatInputCommandInteraction } from "discord.js"
import { Effect, Schema } from "effect"
import { RoleId } from "../../../schema/Ids.ts"
import { GuildSettingsRepo } from "../../persistence/GuildSettingsRepo.ts"
import { authorize, decodeOptions, ids, respond } from "../Interaction.ts"
import { guildCommand, type SlashCommand } from "./Command.ts"

const SettingsOptions = Schema.Struct({
  djrole: Schema.optional(RoleId),
  nodj: Schema.optional(Schema.Boolean),
  voteskip: Schema.optional(Schema.Number.check(Schema.isBetween({ minimum: 0.05, maximum: 1 }))),
  autoplay: Schema.optional(Schema.Boolean)
})

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`

export const settings: SlashCommand = {
  data: guildCommand("settings", "Show or change how I behave in this server")
    .addRoleOption((o) =>
      o.setName("djrole").setDescription("The DJ role: only DJs may stop, clear or change the sound")
    )
    .addBooleanOption((o) => o.setName("nodj").setDescription("Turn DJ rules off: everyone may control the music"))
    .addNumberOption((o) =>
      o.setName("voteskip").setDescription("Share of listeners a skip vote must exceed (0.5: a majority)")
        .setMinValue(0.05).setMaxValue(1)
    )
    .addBooleanOption((o) =>
      o.setName("autoplay").setDescription("When the queue runs out, keep playing related tracks")
    )
    .toJSON(),
  run: Effect.fn("Commands.settings")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(SettingsOptions, interaction)
    const s = yield* authorize("settings", interaction)
    const { guildId } = ids(interaction)
    const repo = yield* GuildSettingsRepo
    const changes: Array<string> = []
    if (options.nodj === true) {
      yield* repo.setDjRole(guildId, null).pipe(Effect.orDie)
      changes.push("DJ rules are off: everyone can control the music.")
    } else if (options.djrole !== undefined) {
      yield* repo.setDjRole(guildId, options.djrole).pipe(Effect.orDie)
      changes.push(`DJ role set to <@&${options.djrole}>.`)
    }
    if (options.voteskip !== undefined) {
      yield* repo.setVoteSkipRatio(guildId, options.voteskip).pipe(Effect.orDie)
      changes.push(`Skipping by vote now needs more than ${percent(options.voteskip)} of listeners.`)
    }
    if (options.autoplay !== undefined) {
      yield* repo.setAutoplay(guildId, options.autoplay).pipe(Effect.orDie)
      changes.push(options.autoplay ? "Autoplay is on: related tracks follow when the queue runs out." : "Autoplay is off.")
    }
    const autoplay = yield* repo.autoplay(guildId).pipe(Effect.orDie)
    const current = [
      s.settings.djRoleId === null ? "DJ role: none (everyone is a DJ)" : `DJ role: <@&${s.settings.djRoleId}>`,
      `Vote skip: more than ${percent(s.settings.voteSkipRatio)} of listeners`,
      `Autoplay: ${autoplay ? "on" : "off"}`
    ]
    const content = (changes.length > 0 ? changes : current).join("\n")
    yield* respond(interaction, { content, ephemeral: true })
  })
}
