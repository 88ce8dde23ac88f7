/** `/help [command]`: every command grouped, or one command with its options, seen only by the asker. */
import { Effect, Schema } from "effect"
import { commandHelp, type HelpGroup, helpMessage } from "../HelpRender.ts"
import { discordCall } from "../Interaction.ts"
import { guildCommand, type SlashCommand, slash } from "./Command.ts"

const data = guildCommand("help", "What I can do: every command, or one in detail")
  .addStringOption((o) => o.setName("command").setDescription("One command to explain").setMaxLength(32).setAutocomplete(true))
  .toJSON()

/** `/help` over the groups it is given; the help command lists itself under the last group. */
export const makeHelp = (groups: (help: SlashCommand) => ReadonlyArray<HelpGroup>): SlashCommand => {
  const command: SlashCommand = slash({
    data,
    options: Schema.Struct({ command: Schema.optional(Schema.String) }),
    run: () => Effect.void,
    acknowledge: "itself",
    render: (_, options) => {
      const all = groups(command)
      if (options.command === undefined) return { ...helpMessage(all), ephemeral: true }
      return { ...(commandHelp(all, options.command) ?? { content: `There is no /${options.command} command. Try /help for them all.` }), ephemeral: true }
    },
    autocomplete: Effect.fn("Commands.help.autocomplete")(function*(interaction) {
      const typed = interaction.options.getFocused().replace(/^\//, "").toLowerCase()
      const names = groups(command).flatMap((g) => g.commands.map((c) => c.name))
      const choices = names.filter((n) => n.includes(typed)).slice(0, 25).map((n) => ({ name: `/${n}`, value: n }))
      yield* discordCall("autocomplete", () => interaction.respond(choices))
    })
  })
  return command
}
