/** /lyrics: the words of what plays, or of a song looked up, paged; with `live`, following the track. */
import type { ChatInputCommandInteraction } from "discord.js"
import { Clock, Effect, Option, Schema } from "effect"
import { positionNow } from "../../../schema/PlayerState.ts"
import { lineAt } from "../../lyrics/Lrc.ts"
import { Lyrics, type Song } from "../../lyrics/Lyrics.ts"
import { answerPrivately, defer, discordCall, type Reply, respond } from "../Interaction.ts"
import { LiveLyrics } from "../LiveLyrics.ts"
import {
  instrumentalText, liveFollowsPlayingText, liveMessage, lyricsMessage, noLiveText, notFoundText, notPlayingText
} from "../LyricsRender.ts"
import { type ComponentHandler, guildCommand, slash } from "./Command.ts"

const maxQuery = 200

const LyricsQuery = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(maxQuery))

/** A lookup that did not complete is told kindly; what went wrong goes to the log. */
const lookedUp = <E extends { readonly message: string; readonly detail: string }>(
  lookup: Effect.Effect<Option.Option<Song>, E>
): Effect.Effect<Option.Option<Song> | string> =>
  lookup.pipe(
    Effect.catch((error) =>
      Effect.as(Effect.logWarning("lyrics lookup failed", { detail: error.detail }), error.message)
    )
  )

/** The answer for what a lookup found. */
const shown = (found: Option.Option<Song> | string, what: string, note: string | null = null): Reply => {
  if (typeof found === "string") return { content: found, ephemeral: true }
  if (Option.isNone(found)) return { content: notFoundText(what), ephemeral: true }
  if (found.value.instrumental) return { content: instrumentalText(found.value) }
  if (found.value.plain === null) return { content: notFoundText(what), ephemeral: true }
  return lyricsMessage(found.value, 1, note)
}

export const lyrics = slash({
  data: guildCommand("lyrics", "Show the lyrics of what is playing, or of a song you name")
    .addStringOption((o) => o.setName("query").setDescription("A song to look up instead (title and artist)").setMaxLength(maxQuery))
    .addBooleanOption((o) => o.setName("live").setDescription("Follow the playing track line by line"))
    .toJSON(),
  options: Schema.Struct({ query: Schema.optional(LyricsQuery), live: Schema.optional(Schema.Boolean) }),
  run: (control, actor, options, interaction: ChatInputCommandInteraction<"cached">) =>
    Effect.gen(function*() {
      const service = yield* Lyrics
      const current = (yield* control.view(actor.guildId)).queue.current
      if (options.query === undefined && current === null) return yield* answer(interaction, { content: notPlayingText, ephemeral: true })
      // LRCLIB may take longer than Discord's three seconds.
      yield* defer(interaction)
      if (options.query !== undefined || current === null) {
        const query = options.query ?? ""
        const note = options.live === true ? liveFollowsPlayingText : null
        return yield* answer(interaction, shown(yield* lookedUp(service.search(query)), query, note))
      }
      const { title, author, durationMs } = current.track
      const found = yield* lookedUp(service.forTrack({ title, artist: author, durationMs }))
      if (options.live !== true || typeof found === "string" || Option.isNone(found) || found.value.instrumental) {
        return yield* answer(interaction, shown(found, title))
      }
      const song = found.value
      if (song.synced.length === 0) return yield* answer(interaction, shown(found, title, noLiveText))
      const line = lineAt(song.synced, positionNow(yield* control.view(actor.guildId), yield* Clock.currentTimeMillis))
      yield* answer(interaction, liveMessage(song, line))
      yield* (yield* LiveLyrics).follow(interaction, actor.guildId, current.entryId, song, line)
    }),
  render: () => null,
  // Lyrics change nothing; they are deferred only once there is something to look up.
  acknowledge: "itself"
})

/** Kind refusals only the asker sees; lyrics everyone in the channel may read. */
const answer = (interaction: ChatInputCommandInteraction<"cached">, reply: Reply) =>
  reply.ephemeral === true && typeof reply.content === "string"
    ? answerPrivately(interaction, reply.content)
    : respond(interaction, reply)

/** The page buttons: `lyrics:<LRCLIB id>:<page>` shows that page in place. */
export const lyricsPage: ComponentHandler = {
  prefix: "lyrics",
  run: Effect.fn("Commands.lyrics.page")(function*(interaction, args) {
    const id = Number(args[0])
    const page = Number(args[1])
    if (!Number.isInteger(id) || !Number.isInteger(page)) return
    const found = yield* lookedUp((yield* Lyrics).byId(id))
    if (typeof found === "string" || Option.isNone(found)) {
      return yield* respond(interaction, { content: typeof found === "string" ? found : "Those lyrics are gone.", ephemeral: true })
    }
    yield* discordCall("update", () => interaction.update(lyricsMessage(found.value, page)))
  })
}
