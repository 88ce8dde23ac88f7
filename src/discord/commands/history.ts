/** /history (what played here, to queue again or keep as a playlist) and /audit (who did what). */
import type { SlashCommandSubcommandBuilder } from "discord.js"
import { Effect, Option, Schema } from "effect"
import { UserId } from "../../../schema/Ids.ts"
import { PlaylistName, PlaylistScope } from "../../../schema/Playlist.ts"
import { AuditAction } from "../../control/AuditEvents.ts"
import { AuditTrail } from "../../control/AuditTrail.ts"
import { PlayHistory } from "../../control/PlayHistory.ts"
import { auditMessage, historyMessage, historySavedText, maxHistorySearch } from "../HistoryRender.ts"
import { actorOf, defer, deferUpdate, discordCall, type Reply } from "../Interaction.ts"
import { type ComponentHandler, guildCommand, Position, slash } from "./Command.ts"
import { answerLoad } from "./playback.ts"

const sub = (name: string, description: string, build: (s: SlashCommandSubcommandBuilder) => SlashCommandSubcommandBuilder) =>
  (s: SlashCommandSubcommandBuilder) => build(s.setName(name).setDescription(description))

const Search = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(maxHistorySearch))

export const history = slash({
  data: guildCommand("history", "What played here: queue it again, or keep it as a playlist")
    .addSubcommand(sub("show", "What played here recently, newest first", (s) =>
      s.addStringOption((o) => o.setName("search").setDescription("Only titles with these words").setMaxLength(maxHistorySearch))
        .addIntegerOption((o) => o.setName("page").setDescription("Page number").setMinValue(1))))
    .addSubcommand(sub("save", "Save what played recently (up to 50 tracks) as a playlist", (s) =>
      s.addStringOption((o) => o.setName("name").setDescription("A name for it").setRequired(true).setMaxLength(100))
        .addStringOption((o) =>
          o.setName("scope").setDescription("Yours (the default) or shared with this server").addChoices(
            { name: "mine", value: "user" },
            { name: "this server's", value: "guild" }
          )
        )))
    .toJSON(),
  options: Schema.Union([
    Schema.Struct({ subcommand: Schema.Literal("show"), search: Schema.optional(Search), page: Schema.optional(Position) }),
    Schema.Struct({ subcommand: Schema.Literal("save"), name: PlaylistName, scope: Schema.optional(PlaylistScope) })
  ]),
  run: (_, actor, options, interaction) =>
    Effect.gen(function*() {
      const history = yield* PlayHistory
      if (options.subcommand === "show") {
        return historyMessage(yield* history.page(actor, options.search ?? null, options.page ?? 1))
      }
      // Saving is a change: acknowledged first, so an unanswered save was not made.
      yield* defer(interaction)
      return { content: historySavedText(yield* history.save(actor, options.name, options.scope ?? "user")) }
    }),
  render: (reply: Reply) => reply,
  // The page is private and changes nothing (a public deferral would have to give way to it); `save` defers.
  acknowledge: "itself"
})

/** The /history menu: queues the picked track again, as its picker. */
export const historyPick: ComponentHandler = {
  prefix: "history",
  run: Effect.fn("Commands.history.pick")(function*(interaction) {
    if (!interaction.isStringSelectMenu()) return
    const id = Schema.decodeUnknownOption(Schema.NumberFromString)(interaction.values[0])
    if (Option.isNone(id)) return
    const history = yield* PlayHistory
    yield* answerLoad(
      interaction,
      deferUpdate(interaction),
      (hooks) => history.replay(actorOf(interaction), id.value, { next: false, ...hooks })
    )
  })
}

/** /history show's page buttons: `historypage:<search>:<page>` (the search may hold colons). */
export const historyPage: ComponentHandler = {
  prefix: "historypage",
  run: Effect.fn("Commands.history.page")(function*(interaction, args) {
    const page = Number(args.at(-1))
    const search = args.slice(0, -1).join(":")
    const shown = yield* (yield* PlayHistory).page(actorOf(interaction), search === "" ? null : search, page)
    yield* discordCall("update", () => interaction.update(historyMessage(shown)))
  })
}

const Action = Schema.optional(AuditAction)

export const audit = slash({
  data: guildCommand("audit", "Who did what here, newest first (for those who manage the server)")
    .addUserOption((o) => o.setName("user").setDescription("Only what this member did"))
    .addStringOption((o) => o.setName("action").setDescription("Only this kind of action").setAutocomplete(true))
    .addIntegerOption((o) => o.setName("page").setDescription("Page number").setMinValue(1))
    .toJSON(),
  options: Schema.Struct({ user: Schema.optional(UserId), action: Action, page: Schema.optional(Position) }),
  run: (_, actor, options) =>
    Effect.flatMap(AuditTrail, (trail) =>
      trail.read(actor, { userId: options.user ?? null, action: options.action ?? null, page: options.page ?? 1 })),
  render: (shown, options) => auditMessage(shown, { user: options.user ?? null, action: options.action ?? null }),
  // A private page that changes nothing.
  acknowledge: "itself",
  autocomplete: Effect.fn("Commands.audit.autocomplete")(function*(interaction) {
    const typed = interaction.options.getFocused().toLowerCase()
    const choices = AuditAction.literals.filter((a) => a.includes(typed)).slice(0, 25).map((a) => ({ name: a, value: a }))
    yield* discordCall("autocomplete", () => interaction.respond(choices))
  })
})

/** /audit's page buttons: `auditpage:<user>:<action>:<page>`, read again as the one who clicks. */
export const auditPage: ComponentHandler = {
  prefix: "auditpage",
  run: Effect.fn("Commands.audit.page")(function*(interaction, args) {
    const [user = "", action = "", page] = args
    const userId = Schema.decodeUnknownOption(UserId)(user)
    const kind = Schema.decodeUnknownOption(AuditAction)(action)
    const filter = { userId: Option.getOrNull(userId), action: Option.getOrNull(kind) }
    const shown = yield* (yield* AuditTrail).read(actorOf(interaction), { ...filter, page: Number(page) })
    const { ephemeral: _, ...message } = auditMessage(shown, { user: filter.userId, action: filter.action })
    yield* discordCall("update", () => interaction.update(message))
  })
}
