import type { APIEmbed } from "discord.js"
import { assert, describe, it } from "vitest"
import { slashCommands } from "../../src/discord/commands/index.ts"
import { commandHelp, commandLines, helpMessage } from "../../src/discord/HelpRender.ts"

const groups = [{ name: "All", commands: slashCommands.map((c) => c.data) }]
const embedOf = (message: { readonly embeds?: ReadonlyArray<unknown> | undefined }): APIEmbed => {
  const embed = message.embeds?.[0] as { toJSON: () => APIEmbed } | undefined
  assert.isDefined(embed)
  return embed!.toJSON()
}

describe("/help", () => {
  it("lists every registered command and every subcommand, from the registration itself", () => {
    const embed = embedOf(helpMessage(groups))
    const shown = (embed.fields ?? []).map((f) => f.value).join("\n")
    for (const command of slashCommands) assert.include(shown, `/${command.data.name}`, command.data.name)
    for (const sub of ["save", "load", "import", "export"]) assert.include(shown, `/playlist ${sub}`)
    assert.include(shown, "`/play query [next]` — ")
  })

  it("stays within Discord's limits: 1,024 characters a field, 6,000 an embed", () => {
    const embed = embedOf(helpMessage(groups))
    for (const field of embed.fields ?? []) assert.isAtMost(field.value.length, 1024, field.name)
    const total = (embed.title ?? "").length + (embed.description ?? "").length +
      (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
    assert.isAtMost(total, 6000)
    assert.isAbove((embed.fields ?? []).length, 1, "one group too long for a field goes on in another")
  })

  it("explains one command with its options, and nothing for a command that is not there", () => {
    const playlist = embedOf(commandHelp(groups, "/Playlist")!)
    assert.strictEqual(playlist.title, "/playlist")
    assert.include(playlist.description, "**/playlist load** — Queue a saved playlist")
    assert.include(playlist.description, "`shuffle` (optional) — In a random order")
    assert.isNull(commandHelp(groups, "dance"))
  })

  it("writes a command without options as its name alone", () => {
    const pause = slashCommands.find((c) => c.data.name === "pause")!.data
    assert.deepStrictEqual(commandLines(pause), [`\`/pause\` — ${pause.description}`])
  })
})
