/** Starting music: /play, /playfile and /search (with its select menu), and the progress reply of a load. */
import { ActionRowBuilder, type SlashCommandOptionsOnlyBuilder, StringSelectMenuBuilder } from "discord.js"
import { Clock, Effect, Schema } from "effect"
import { ChannelId } from "../../../schema/Ids.ts"
import { Control } from "../../control/Control.ts"
import type { PlayProgress, PlayRequest } from "../../control/Play.ts"
import {
  actorOf, type CachedInteraction, defer, deferUpdate, discordCall, type DiscordApiFailure, respond
} from "../Interaction.ts"
import { pickedLine, playSummary } from "../Render.ts"
import { Attachment, type ComponentHandler, guildCommand, Query, slash } from "./Command.ts"

/** A playlist's progress is shown by editing the reply at most this often. */
const progressEveryMs = 2000

/**
 * The reply of a request to play, kept current while a playlist loads: the first batch is shown
 * at once, later ones at most every `progressEveryMs`, and the end only when it says something new.
 */
const progressReply = (interaction: CachedInteraction) => {
  let lastEditAt = 0
  let shown = ""
  const show = (text: string) =>
    respond(interaction, { content: text }).pipe(
      Effect.andThen(Clock.currentTimeMillis),
      Effect.map((now) => {
        lastEditAt = now
        shown = text
      })
    )
  return {
    update: (progress: PlayProgress) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        now - lastEditAt < progressEveryMs ? Effect.void : show(playSummary(progress))),
    finish: (progress: PlayProgress) => {
      const text = playSummary(progress)
      return text === shown ? Effect.void : show(text)
    }
  }
}

/** `next`: right after the current track, as both /play and /playfile offer it. */
const withNext = (builder: SlashCommandOptionsOnlyBuilder) =>
  builder.addBooleanOption((o) => o.setName("next").setDescription("Play it right after the current track"))

/** What the edge tells a load: where playback is announced, when it was allowed, how far it got. */
export interface LoadHooks {
  readonly announceIn: ChannelId
  readonly onAccepted: Effect.Effect<void, DiscordApiFailure>
  readonly onProgress: (progress: PlayProgress) => Effect.Effect<void, DiscordApiFailure>
}

/** Runs a load (`/play`, a saved playlist…) for the interaction, answering with its progress; returns where it ended. */
export const answerLoad = <E, R>(
  interaction: CachedInteraction,
  acknowledge: Effect.Effect<void, DiscordApiFailure>,
  load: (hooks: LoadHooks) => Effect.Effect<PlayProgress, E, R>
) =>
  Effect.gen(function*() {
    const reply = progressReply(interaction)
    const progress = yield* load({
      announceIn: ChannelId.make(interaction.channelId),
      onAccepted: acknowledge,
      onProgress: reply.update
    })
    yield* reply.finish(progress)
    return progress
  })

/** Plays `source` as the interaction's member, answering with the load's progress. */
const playAs = (
  interaction: CachedInteraction,
  source: PlayRequest["source"],
  options: { readonly next: boolean; readonly acknowledge: Effect.Effect<void, DiscordApiFailure> }
) =>
  answerLoad(interaction, options.acknowledge, (hooks) =>
    Effect.flatMap(Control, (control) =>
      control.play(actorOf(interaction), { source, next: options.next, ...hooks })))

export const play = slash({
  data: withNext(
    guildCommand("play", "Play a song or playlist: a link, or words to search for").addStringOption((o) =>
      o.setName("query").setDescription("A link or what to search for").setRequired(true).setAutocomplete(true)
        .setMaxLength(500)
    )
  ).toJSON(),
  options: Schema.Struct({ query: Query, next: Schema.optional(Schema.Boolean) }),
  run: (_, __, options, interaction) =>
    playAs(interaction, { _tag: "Query", query: options.query }, { next: options.next === true, acknowledge: defer(interaction) }),
  render: () => null,
  // Control.play acknowledges once the request is allowed, before anything is queued.
  acknowledge: "itself",
  autocomplete: Effect.fn("Commands.play.autocomplete")(function*(interaction) {
    const choices = yield* (yield* Control).suggest(interaction.options.getFocused())
    const options = choices.map((c) => ({ name: c.name, value: c.value }))
    yield* discordCall("autocomplete", () => interaction.respond(options))
  })
})

export const playfile = slash({
  data: withNext(
    guildCommand("playfile", "Play an audio file you upload")
      .addAttachmentOption((o) => o.setName("file").setDescription("An audio file").setRequired(true))
  ).toJSON(),
  options: Schema.Struct({ file: Attachment, next: Schema.optional(Schema.Boolean) }),
  run: (_, __, options, interaction) =>
    playAs(interaction, { _tag: "Upload", file: options.file }, { next: options.next === true, acknowledge: defer(interaction) }),
  render: () => null,
  acknowledge: "itself"
})

export const search = slash({
  data: guildCommand("search", "Search, then pick what to play")
    .addStringOption((o) => o.setName("query").setDescription("What to search for").setRequired(true).setMaxLength(500))
    .toJSON(),
  options: Schema.Struct({ query: Query }),
  run: (control, actor, options, interaction) =>
    control.search(actor, options.query, defer(interaction, { ephemeral: true })),
  // A search changes nothing; it is deferred once allowed, as the results may take a while.
  acknowledge: "itself",
  render: (results, options) => {
    const menu = new StringSelectMenuBuilder()
      .setCustomId("search")
      .setPlaceholder("Pick a track")
      .addOptions(results.slice(0, 25).map((r) => ({ label: r.name.slice(0, 100), value: r.value.slice(0, 100) })))
    return {
      content: `Results for "${options.query}":`,
      components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)]
    }
  }
})

/** The /search select menu: queues the picked result. */
export const searchPick: ComponentHandler = {
  prefix: "search",
  run: Effect.fn("Commands.search.pick")(function*(interaction) {
    if (!interaction.isStringSelectMenu()) return
    const value = interaction.values[0]
    if (value === undefined) return
    const progress = yield* playAs(interaction, { _tag: "Pick", value }, {
      next: false,
      acknowledge: deferUpdate(interaction)
    })
    // The menu and its answer are the picker's alone; the channel hears what was queued, as after /play.
    const line = pickedLine(interaction.user.id, progress)
    if (line !== null) {
      yield* discordCall("followUp", () => interaction.followUp({ content: line, allowedMentions: { parse: [] } }))
    }
  })
}
