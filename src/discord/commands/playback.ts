/** Starting music: /play, /playfile and /search (with its select menu). */
import {
  ActionRowBuilder,
  type ChatInputCommandInteraction,
  StringSelectMenuBuilder
} from "discord.js"
import { Clock, Effect, Fiber, Schema, Stream } from "effect"
import { Enqueue } from "../../../schema/PlayerCommand.ts"
import type { Track } from "../../../schema/Track.ts"
import type { ResolvedBatch, ResolvedTracks } from "../../resolve/Resolution.ts"
import type { ResolveError } from "../../resolve/ResolveError.ts"
import { Resolver } from "../../resolve/Resolver.ts"
import { GuildSettingsRepo } from "../../persistence/GuildSettingsRepo.ts"
import { PlayerRegistry } from "../../player/PlayerRegistry.ts"
import { DiscordVoice } from "../../voice/DiscordVoice.ts"
import {
  authorize,
  type CachedInteraction,
  decodeOptions,
  defer,
  discordCall,
  ids,
  Refusal,
  respond
} from "../Interaction.ts"
import { NowPlaying } from "../NowPlaying.ts"
import { trackLine } from "../Render.ts"
import { type ComponentHandler, guildCommand, type SlashCommand } from "./Command.ts"

const Query = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(500))

/** A playlist's progress is shown by editing the reply at most this often. */
const progressEveryMs = 2000

interface Progress {
  readonly lead: Track | null
  readonly startedAt: number
  readonly added: number
  readonly skipped: number
  /** Where the next batch goes when the tracks were asked for "next". */
  readonly nextPosition: number
  /** The latest batch: its playlist and counts describe the load so far. */
  readonly batch: ResolvedBatch
  readonly lastEditAt: number
  readonly shown: string
}

const summary = (progress: Progress, done: boolean): string => {
  const batch = progress.batch
  const lead = progress.lead === null ? "nothing new" : trackLine(progress.lead)
  const more = progress.added > 1 ? ` and ${progress.added - 1} more` : ""
  const from = batch.playlist === null ? "" : ` from **${batch.playlist.title}**`
  const skipped = progress.skipped > 0 ? ` (${progress.skipped} already queued, left out)` : ""
  const loading = done || batch.playlist === null
    ? ""
    : ` — loading ${batch.loaded}${batch.expected === null ? "" : `/${batch.expected}`}…`
  const head = progress.startedAt === 0 ? `Now playing: ${lead}` : `Queued ${lead}`
  const where = progress.startedAt === 0 ? "" : ` at position ${progress.startedAt}`
  return `${head}${more}${from}${where}${skipped}${loading}`
}

/**
 * The common end of every way to start music: join the caller's channel while the tracks
 * resolve, queue each batch as it arrives (a playlist's first track plays before the rest
 * are read), and keep the reply saying how far the loading got.
 */
const enqueue = Effect.fn("Commands.enqueue")(function*(
  interaction: CachedInteraction,
  batches: Stream.Stream<ResolvedBatch, ResolveError>,
  next: boolean,
  voiceChannelId: string
) {
  const { guildId, userId } = ids(interaction)
  yield* Effect.annotateCurrentSpan({ "guild.id": guildId, "user.id": userId })
  const voice = yield* DiscordVoice
  const registry = yield* PlayerRegistry
  const nowPlaying = yield* NowPlaying
  const joining = yield* Effect.forkChild(voice.join(guildId, voiceChannelId))

  const queueBatch = (progress: Progress | null, batch: ResolvedBatch) =>
    Effect.gen(function*() {
      const [first, ...rest] = batch.tracks
      if (first === undefined) return progress
      if (progress === null) {
        yield* Fiber.join(joining)
        yield* nowPlaying.attach(guildId, interaction.channelId)
      }
      const position = !next ? "end" as const : progress === null ? "next" as const : progress.nextPosition
      const reply = yield* registry.send(
        guildId,
        new Enqueue({ tracks: [first, ...rest], position, requester: userId })
      )
      const skipped = reply.duplicatesAllowed ? 0 : reply.duplicates.length
      const now = yield* Clock.currentTimeMillis
      const updated: Progress = progress === null
        ? {
          lead: reply.added[0]?.track ?? null,
          startedAt: reply.position,
          added: reply.added.length,
          skipped,
          nextPosition: Math.max(1, reply.position) + reply.added.length,
          batch,
          lastEditAt: 0,
          shown: ""
        }
        : {
          ...progress,
          added: progress.added + reply.added.length,
          skipped: progress.skipped + skipped,
          nextPosition: progress.nextPosition + reply.added.length,
          batch
        }
      if (now - updated.lastEditAt < progressEveryMs) return updated
      const shown = summary(updated, false)
      yield* respond(interaction, { content: shown })
      return { ...updated, lastEditAt: now, shown }
    })

  const progress = yield* Stream.runFoldEffect(batches, (): Progress | null => null, queueBatch)
  if (progress === null) {
    yield* Fiber.interrupt(joining)
    return yield* new Refusal({ message: "I found nothing to play there." })
  }
  const final = summary(progress, true)
  if (final !== progress.shown) yield* respond(interaction, { content: final })
})

/** One answer as a stream of one batch, for the sources that answer at once. */
const single = (resolved: Effect.Effect<ResolvedTracks, ResolveError>): Stream.Stream<ResolvedBatch, ResolveError> =>
  Stream.fromEffect(Effect.map(resolved, (r) => ({ ...r, loaded: r.tracks.length, expected: r.tracks.length })))

const PlayOptions = Schema.Struct({ query: Query, next: Schema.optional(Schema.Boolean) })

export const play: SlashCommand = {
  data: guildCommand("play", "Play a song or playlist: a link, or words to search for")
    .addStringOption((o) =>
      o.setName("query").setDescription("A link or what to search for").setRequired(true).setAutocomplete(true)
        .setMaxLength(500)
    )
    .addBooleanOption((o) => o.setName("next").setDescription("Play it right after the current track"))
    .toJSON(),
  run: Effect.fn("Commands.play")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(PlayOptions, interaction)
    const { actor } = yield* authorize("start", interaction)
    yield* defer(interaction)
    const resolver = yield* Resolver
    const { guildId, userId } = ids(interaction)
    // The guild's own playlist cap, if it set one; the global MAX_PLAYLIST_SIZE bounds it either way.
    const maxTracks = yield* (yield* GuildSettingsRepo).playlistLimit(guildId).pipe(
      Effect.catchCause((cause) => Effect.as(Effect.logWarning("guild playlist limit unavailable", cause), null))
    )
    yield* enqueue(
      interaction,
      resolver.resolveStream(options.query, userId, { maxTracks: maxTracks ?? undefined }),
      options.next === true,
      actor.voiceChannelId ?? ""
    )
  }),
  autocomplete: Effect.fn("Commands.play.autocomplete")(function*(interaction) {
    const resolver = yield* Resolver
    const focused = interaction.options.getFocused()
    const choices = yield* resolver.autocomplete(focused)
    const options = choices.map((c) => ({ name: c.name, value: c.value }))
    yield* discordCall("autocomplete", () => interaction.respond(options))
  })
}

const Attachment = Schema.Struct({
  id: Schema.optional(Schema.String),
  url: Schema.String,
  filename: Schema.String,
  contentType: Schema.NullOr(Schema.String),
  size: Schema.Number
})
const PlayFileOptions = Schema.Struct({ file: Attachment, next: Schema.optional(Schema.Boolean) })

export const playfile: SlashCommand = {
  data: guildCommand("playfile", "Play an audio file you upload")
    .addAttachmentOption((o) => o.setName("file").setDescription("An audio file").setRequired(true))
    .addBooleanOption((o) => o.setName("next").setDescription("Play it right after the current track"))
    .toJSON(),
  run: Effect.fn("Commands.playfile")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(PlayFileOptions, interaction)
    const { actor } = yield* authorize("start", interaction)
    yield* defer(interaction)
    const resolver = yield* Resolver
    const { userId } = ids(interaction)
    yield* enqueue(
      interaction,
      single(resolver.resolveAttachment(options.file, userId)),
      options.next === true,
      actor.voiceChannelId ?? ""
    )
  })
}

const SearchOptions = Schema.Struct({ query: Query })

export const search: SlashCommand = {
  data: guildCommand("search", "Search, then pick what to play")
    .addStringOption((o) => o.setName("query").setDescription("What to search for").setRequired(true).setMaxLength(500))
    .toJSON(),
  run: Effect.fn("Commands.search")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(SearchOptions, interaction)
    yield* authorize("start", interaction)
    yield* defer(interaction, { ephemeral: true })
    const resolver = yield* Resolver
    const results = yield* resolver.autocomplete(options.query)
    if (results.length === 0) return yield* new Refusal({ message: `Nothing found for "${options.query}".` })
    const menu = new StringSelectMenuBuilder()
      .setCustomId("search")
      .setPlaceholder("Pick a track")
      .addOptions(results.slice(0, 25).map((r) => ({ label: r.name.slice(0, 100), value: r.value.slice(0, 100) })))
    yield* respond(interaction, {
      content: `Results for "${options.query}":`,
      components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)]
    })
  })
}

/** The /search select menu: queues the picked result. */
export const searchPick: ComponentHandler = {
  prefix: "search",
  run: Effect.fn("Commands.search.pick")(function*(interaction) {
    if (!interaction.isStringSelectMenu()) return
    const value = interaction.values[0]
    if (value === undefined) return
    const { actor } = yield* authorize("start", interaction)
    yield* discordCall("deferUpdate", () => interaction.deferUpdate())
    const resolver = yield* Resolver
    const { userId } = ids(interaction)
    yield* enqueue(interaction, single(resolver.resolve(value, userId)), false, actor.voiceChannelId ?? "")
  })
}
