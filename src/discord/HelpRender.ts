/**
 * `/help` as text, from the commands' own registration data: what Discord shows in its command
 * picker is what the help says, so the two never drift apart. Pure.
 */
import {
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  type BaseMessageOptions,
  EmbedBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody
} from "discord.js"

type CommandData = RESTPostAPIChatInputApplicationCommandsJSONBody

export interface HelpGroup {
  readonly name: string
  readonly commands: ReadonlyArray<CommandData>
}

const isSub = (o: APIApplicationCommandOption) =>
  o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup

/** ` query [next]`: the options, the ones that may be left out in brackets. */
const usage = (options: ReadonlyArray<APIApplicationCommandOption> | undefined) =>
  (options ?? []).filter((o) => !isSub(o)).map((o) => (o.required === true ? ` ${o.name}` : ` [${o.name}]`)).join("")

/** One line per command, or per subcommand of a command that has them. */
export const commandLines = (data: CommandData): Array<string> => {
  const subs = (data.options ?? []).filter((o) => o.type === ApplicationCommandOptionType.Subcommand)
  if (subs.length === 0) return [`\`/${data.name}${usage(data.options)}\` — ${data.description}`]
  return subs.map((s) => `\`/${data.name} ${s.name}${usage("options" in s ? s.options : undefined)}\` — ${s.description}`)
}

/** An embed field holds at most 1,024 characters: a long group goes on in a second field. */
const fieldLimit = 1024

const fields = (group: HelpGroup) => {
  const out: Array<{ name: string; value: string }> = []
  let lines: Array<string> = []
  const flush = () => {
    if (lines.length === 0) return
    out.push({ name: out.length === 0 ? group.name : `${group.name} (more)`, value: lines.join("\n") })
    lines = []
  }
  for (const line of group.commands.flatMap(commandLines)) {
    if ([...lines, line].join("\n").length > fieldLimit) flush()
    lines.push(line)
  }
  flush()
  return out
}

/** Every command, grouped. */
export const helpMessage = (groups: ReadonlyArray<HelpGroup>): BaseMessageOptions => ({
  embeds: [
    new EmbedBuilder()
      .setTitle("Reprise: what I can do")
      .setDescription("Options in [brackets] may be left out. `/help command` tells more about one command.")
      .addFields(groups.flatMap(fields))
  ]
})

const optionLine = (o: APIApplicationCommandOption) =>
  `• \`${o.name}\`${o.required === true ? "" : " (optional)"} — ${o.description}`

/** One command with each of its options; null when there is no such command. */
export const commandHelp = (groups: ReadonlyArray<HelpGroup>, name: string): BaseMessageOptions | null => {
  const data = groups.flatMap((g) => g.commands).find((c) => c.name === name.replace(/^\//, "").trim().toLowerCase())
  if (data === undefined) return null
  const subs = (data.options ?? []).filter((o) => o.type === ApplicationCommandOptionType.Subcommand)
  const sections = subs.length === 0
    ? [(data.options ?? []).map(optionLine).join("\n")]
    : subs.map((s) =>
      [`**/${data.name} ${s.name}** — ${s.description}`, ...("options" in s ? s.options ?? [] : []).map(optionLine)].join("\n")
    )
  return {
    embeds: [
      new EmbedBuilder()
        .setTitle(`/${data.name}`)
        .setDescription([data.description, ...sections.filter((s) => s !== "")].join("\n\n").slice(0, 4096))
    ]
  }
}
