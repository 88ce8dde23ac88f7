/** /playlist and its subcommands, with the page buttons of /playlist show. */
import type { SlashCommandStringOption, SlashCommandSubcommandBuilder } from "discord.js"
import { Effect, Option, Schema } from "effect"
import { PlaylistName, PlaylistScope } from "../../../schema/Playlist.ts"
import { PlaylistId, Playlists } from "../../control/Playlists.ts"
import { downloadText } from "../AttachmentDownload.ts"
import { actorOf, defer, discordCall, type Reply } from "../Interaction.ts"
import {
  addedText,
  deletedText,
  exportMessage,
  importedText,
  playlistListMessage,
  playlistPageMessage,
  removedText,
  renamedText,
  savedText,
  suggestionLabel
} from "../PlaylistRender.ts"
import { Attachment, type ComponentHandler, guildCommand, Position, Query, slash } from "./Command.ts"
import { answerLoad } from "./playback.ts"

/** `name` of an existing playlist: suggested while typing. */
const existing = (o: SlashCommandStringOption) =>
  o.setName("name").setDescription("The playlist (yours first, then this server's)").setRequired(true)
    .setMaxLength(100).setAutocomplete(true)

/** A name for a playlist about to exist. */
const fresh = (name: string, description: string, required: boolean) => (o: SlashCommandStringOption) =>
  o.setName(name).setDescription(description).setRequired(required).setMaxLength(100)

const scope = (o: SlashCommandStringOption) =>
  o.setName("scope").setDescription("Yours (the default) or shared with this server").addChoices(
    { name: "mine", value: "user" },
    { name: "this server's", value: "guild" }
  )

const sub = (name: string, description: string, build: (s: SlashCommandSubcommandBuilder) => SlashCommandSubcommandBuilder) =>
  (s: SlashCommandSubcommandBuilder) => build(s.setName(name).setDescription(description))

const data = guildCommand("playlist", "Saved playlists: yours, and this server's")
  .addSubcommand(sub("save", "Save the queue (what plays now first) as a playlist", (s) =>
    s.addStringOption(fresh("name", "A name for it", true)).addStringOption(scope)))
  .addSubcommand(sub("load", "Queue a saved playlist", (s) =>
    s.addStringOption(existing).addBooleanOption((o) => o.setName("shuffle").setDescription("In a random order"))))
  .addSubcommand(sub("add", "Add a song (or a whole playlist link) to a saved playlist", (s) =>
    s.addStringOption(existing).addStringOption((o) =>
      o.setName("query").setDescription("A link or what to search for").setRequired(true).setMaxLength(500)
    )))
  .addSubcommand(sub("remove", "Remove a track from a saved playlist", (s) =>
    s.addStringOption(existing).addIntegerOption((o) =>
      o.setName("position").setDescription("Its position in the playlist").setMinValue(1).setRequired(true)
    )))
  .addSubcommand(sub("show", "Show a saved playlist's tracks", (s) =>
    s.addStringOption(existing).addIntegerOption((o) => o.setName("page").setDescription("Page number").setMinValue(1))))
  .addSubcommand(sub("list", "List your playlists and this server's", (s) => s.addStringOption(scope)))
  .addSubcommand(sub("rename", "Rename a saved playlist", (s) =>
    s.addStringOption(existing).addStringOption(fresh("new_name", "Its new name", true))))
  .addSubcommand(sub("delete", "Delete a saved playlist", (s) => s.addStringOption(existing)))
  .addSubcommand(sub("export", "Get a saved playlist as a file", (s) => s.addStringOption(existing)))
  .addSubcommand(sub("import", "Save a playlist file (from /playlist export) as a playlist", (s) =>
    s.addAttachmentOption((o) => o.setName("file").setDescription("The playlist file (.json)").setRequired(true))
      .addStringOption(fresh("name", "A name for it (the file's own by default)", false)).addStringOption(scope)))
  .toJSON()

const Scope = Schema.optional(PlaylistScope)
const command = <S extends string>(name: S) => Schema.Literal(name)

const Options = Schema.Union([
  Schema.Struct({ subcommand: command("save"), name: PlaylistName, scope: Scope }),
  Schema.Struct({ subcommand: command("load"), name: PlaylistName, shuffle: Schema.optional(Schema.Boolean) }),
  Schema.Struct({ subcommand: command("add"), name: PlaylistName, query: Query }),
  Schema.Struct({ subcommand: command("remove"), name: PlaylistName, position: Position }),
  Schema.Struct({ subcommand: command("show"), name: PlaylistName, page: Schema.optional(Position) }),
  Schema.Struct({ subcommand: command("list"), scope: Scope }),
  Schema.Struct({ subcommand: command("rename"), name: PlaylistName, new_name: PlaylistName }),
  Schema.Struct({ subcommand: command("delete"), name: PlaylistName }),
  Schema.Struct({ subcommand: command("export"), name: PlaylistName }),
  Schema.Struct({ subcommand: command("import"), file: Attachment, name: Schema.optional(PlaylistName), scope: Scope })
])

export const playlist = slash({
  data,
  options: Options,
  run: (_, actor, options, interaction) =>
    Effect.gen(function*() {
      const playlists = yield* Playlists
      switch (options.subcommand) {
        case "save":
          return { content: savedText(yield* playlists.save(actor, options.name, options.scope ?? "user")) }
        case "load":
          yield* answerLoad(interaction, defer(interaction), (hooks) =>
            playlists.load(actor, options.name, { shuffle: options.shuffle === true, ...hooks }))
          return null
        case "add":
          return { content: addedText(yield* playlists.add(actor, options.name, options.query, defer(interaction))) }
        case "remove":
          return { content: removedText(yield* playlists.remove(actor, options.name, options.position)) }
        case "show":
          return playlistPageMessage(yield* playlists.show(actor, { _tag: "Named", name: options.name }, options.page ?? 1))
        case "list":
          return playlistListMessage(yield* playlists.list(actor, options.scope))
        case "rename":
          return { content: renamedText(yield* playlists.rename(actor, options.name, options.new_name)) }
        case "delete":
          return { content: deletedText(yield* playlists.delete(actor, options.name)) }
        case "export":
          return exportMessage(yield* playlists.exportFile(actor, options.name))
        case "import": {
          const { file } = options
          const imported = yield* playlists.importFile(actor, {
            size: file.size,
            read: (maxBytes) => downloadText(file.url, maxBytes),
            name: options.name,
            scope: options.scope ?? "user",
            onAccepted: defer(interaction)
          })
          return { content: importedText(imported) }
        }
      }
    }),
  render: (reply: Reply | null) => reply,
  autocomplete: Effect.fn("Commands.playlist.autocomplete")(function*(interaction) {
    const focused = interaction.options.getFocused(true)
    const found = focused.name === "name" ? yield* (yield* Playlists).suggest(actorOf(interaction), focused.value) : []
    const choices = found.map((p) => ({ name: suggestionLabel(p), value: p.name }))
    yield* discordCall("autocomplete", () => interaction.respond(choices))
  })
})

/** /playlist show's page buttons: `playlist:<id>:<page>` shows that page in place. */
export const playlistPage: ComponentHandler = {
  prefix: "playlist",
  run: Effect.fn("Commands.playlist.page")(function*(interaction, args) {
    const [id, page] = args
    const playlistId = Schema.decodeUnknownOption(PlaylistId)(id)
    if (Option.isNone(playlistId)) return
    const shown = yield* (yield* Playlists).show(actorOf(interaction), { _tag: "Id", id: playlistId.value }, Number(page))
    yield* discordCall("update", () => interaction.update(playlistPageMessage(shown)))
  })
}
