/** How player state looks in Discord: embeds, progress bars and the buttons under them. */
import { ActionRowBuilder, type BaseMessageOptions, ButtonBuilder, ButtonStyle, EmbedBuilder } from "discord.js"
import { formatMs } from "../../schema/PlayerError.ts"
import type { AutoplayFoundNothing, Restored, Teardown } from "../../schema/PlayerEvent.ts"
import { type PlayerState, positionNow, type QueueEntry, queueLength, startsInMs } from "../../schema/PlayerState.ts"
import { categoryText, type Segment } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import { isFlat, presetOf } from "../audio/EffectCatalog.ts"
import type { SkipOutcome } from "../control/Control.ts"
import type { PlayProgress } from "../control/Play.ts"
import { clip, plural } from "../../schema/Wording.ts"
import type { Start } from "../control/Start.ts"

/** Discord shows `<t:…:R>` in the reader's own time zone and language ("3 hours ago"). */
export const when = (at: Date) => `<t:${Math.floor(at.getTime() / 1000)}:R>`

/** Markdown special characters in a title must not turn into formatting. */
export const escape = (s: string) => s.replace(/([\\*_`~|>[\]()])/g, "\\$1")

export const trackLine = (track: Pick<Track, "title" | "location" | "author" | "durationMs">): string => {
  const title = escape(clip(track.title, 80))
  const linked = /^https?:\/\//.test(track.location) ? `[${title}](${track.location})` : `**${title}**`
  // No duration: a live stream, or a playlist entry not yet looked at; say nothing rather than guess.
  const duration = track.durationMs === null ? "" : ` (${formatMs(track.durationMs)})`
  return `${linked}${track.author === null ? "" : ` — ${escape(clip(track.author, 40))}`}${duration}`
}

/** `1:23 ▬▬▬▬🔘▬▬▬▬▬ 3:45`; a live stream has no end, and a length not known yet shows none. */
export const progressBar = (positionMs: number, track: Pick<Track, "durationMs" | "live">, width = 14): string => {
  const durationMs = track.durationMs
  if (track.live === true) return `${formatMs(positionMs)} · live`
  if (durationMs === null || durationMs <= 0) return formatMs(positionMs)
  const done = Math.min(width - 1, Math.max(0, Math.round((positionMs / durationMs) * (width - 1))))
  return `${formatMs(positionMs)} ${"▬".repeat(done)}🔘${"▬".repeat(width - 1 - done)} ${formatMs(durationMs)}`
}

export const loopLabel = { off: "Loop: off", track: "Loop: track", queue: "Loop: queue" } as const

/** Volume, loop, effects and equalizer, as one footer line. */
export const settingsLine = (state: PlayerState): string => {
  const parts: Array<string> = [`Volume ${state.volume}%`, loopLabel[state.queue.loop]]
  if (state.effects.length > 0) parts.push(`Effects: ${state.effects.join(", ")}`)
  if (!isFlat(state.equalizer)) parts.push(`EQ: ${presetOf(state.equalizer)}`)
  return parts.join(" · ")
}

const span = (segment: Segment) => `${formatMs(segment.startMs)}–${formatMs(segment.endMs)}`

/**
 * The channel's line about the parts of a track SponsorBlock had playback skip: one message per
 * track, edited as more are skipped, so a video with many segments does not flood the channel.
 */
export const skipNotice = (skipped: ReadonlyArray<Segment>): BaseMessageOptions => {
  const [only] = skipped
  if (skipped.length === 1 && only !== undefined) {
    const what = categoryText[only.category]
    return { content: `⏭ Skipped ${/^[aeiou]/.test(what) ? "an" : "a"} ${what} part (${span(only)}).` }
  }
  return { content: `⏭ Skipped ${skipped.length} parts: ${skipped.map((s) => `${categoryText[s.category]} (${span(s)})`).join(", ")}.` }
}

export const queuePageSize = 10

export const pageCount = (state: PlayerState) => Math.max(1, Math.ceil(state.queue.upcoming.length / queuePageSize))

/**
 * One page (1-based) of the queue, with buttons to the neighbouring pages: each entry with its
 * length, who asked for it and when it starts, and the whole queue's length at the top.
 */
export const queueMessage = (state: PlayerState, page: number, nowMs: number): BaseMessageOptions => {
  const pages = pageCount(state)
  const p = Math.min(Math.max(1, page), pages)
  const start = (p - 1) * queuePageSize
  const entries: ReadonlyArray<QueueEntry> = state.queue.upcoming.slice(start, start + queuePageSize)
  const current = state.queue.current
  // The page's first start, then each next one from the length before it: one pass, not one per line.
  let wait = startsInMs(state, nowMs, start)
  const lines = entries.map((entry, i) => {
    const line = `\`${start + i + 1}.\` ${trackLine(entry.track)} · <@${entry.track.requester}>${
      wait === null ? "" : ` · in ${formatMs(wait)}`
    }`
    wait = wait === null || entry.track.durationMs === null ? null : wait + entry.track.durationMs
    return line
  })
  const { ms, unknown } = queueLength(state)
  const count = state.queue.upcoming.length
  const total = count === 0
    ? "The queue is empty."
    : `${plural(count, "track")} queued, ${formatMs(ms)} in all${unknown === 0 ? "" : ` (${unknown} of unknown length not counted)`}.`
  const embed = new EmbedBuilder()
    .setTitle(`Queue — page ${p} of ${pages}`)
    .setDescription(
      [
        current === null
          ? "Nothing playing."
          : `**Now:** ${trackLine(current.track)} · <@${current.track.requester}>\n${progressBar(positionNow(state, nowMs), current.track)}`,
        "",
        total,
        ...lines
      ].join("\n")
    )
    .setFooter({ text: settingsLine(state) })
  return { content: "", embeds: [embed], components: pageButtons("queue", p, pages) }
}

/** Buttons to the neighbouring pages, `<prefix>:<page>` each; none when everything fits on one. */
export const pageButtons = (prefix: string, page: number, pages: number) =>
  pages <= 1 ? [] : [
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(`${prefix}:${page - 1}`).setLabel("Previous page").setStyle(ButtonStyle.Secondary)
        .setDisabled(page <= 1),
      new ButtonBuilder().setCustomId(`${prefix}:${page + 1}`).setLabel("Next page").setStyle(ButtonStyle.Secondary)
        .setDisabled(page >= pages)
    )
  ]

/** What became of a track that went straight to the player, as far as its request waited to hear. */
const startLine = (start: Start | null, lead: string): string => {
  switch (start?._tag) {
    case "Failed":
      return `Couldn't play ${lead}: ${start.reason}`
    case "Starting":
      return `Starting ${lead}…`
    default:
      return `Now playing: ${lead}`
  }
}

/** The reply to a request to play, as far as its load has got. */
export const playSummary = (progress: PlayProgress): string => {
  const batch = progress.batch
  const lead = progress.lead === null ? "nothing new" : trackLine(progress.lead)
  const failed = progress.startedAt === 0 && progress.start?._tag === "Failed"
  const more = progress.added <= 1 ? "" : failed ? `; queued ${progress.added - 1} more` : ` and ${progress.added - 1} more`
  const from = batch.playlist === null ? "" : ` from **${batch.playlist.title}**`
  const skipped = progress.skipped > 0 ? ` (${progress.skipped} already queued, left out)` : ""
  const long = progress.tooLong > 0
    ? ` (${plural(progress.tooLong, "track")} longer than ${formatMs(progress.trackLimitMs)}, left out)`
    : ""
  const loading = progress.done || batch.playlist === null
    ? ""
    : ` — loading ${batch.loaded}${batch.expected === null ? "" : `/${batch.expected}`}…`
  const head = progress.startedAt === 0 ? startLine(progress.start, lead) : `Queued ${lead}`
  const where = progress.startedAt === 0
    ? ""
    : ` at position ${progress.startedAt}${progress.startsInMs === null ? "" : `, starting in about ${formatMs(progress.startsInMs)}`}`
  // Said once, and kindly: the listener asked for one site and hears another.
  const instead = batch.substitution === undefined
    ? ""
    : `\n(From ${batch.substitution.to} instead: ${batch.substitution.from} isn't available right now.)`
  return `${head}${more}${from}${where}${skipped}${long}${loading}${instead}`
}

/** The channel's line about a /search pick, whose menu and answer only the picker sees; null when nothing was added. */
export const pickedLine = (userId: string, progress: PlayProgress): string | null => {
  if (progress.lead === null) return null
  const where = progress.startedAt === 0 ? ", playing now" : ` at position ${progress.startedAt}`
  return `<@${userId}> queued ${trackLine(progress.lead)}${where}.`
}

export const skipText = (outcome: SkipOutcome): string => {
  if (outcome._tag === "Voted") {
    const tally = `${outcome.votes} of ${plural(outcome.needed, "vote")}`
    return outcome.repeated
      ? `You already voted to skip ${trackLine(outcome.entry.track)}: ${tally} so far.`
      : `Vote to skip ${trackLine(outcome.entry.track)}: ${tally}.`
  }
  const first = outcome.skipped[0]
  const what = outcome.skipped.length === 1 && first !== undefined ? trackLine(first.track) : plural(outcome.skipped.length, "track")
  const passed = outcome.byVote ? "Vote passed: skipped" : "Skipped"
  return outcome.now === null
    ? `${passed} ${what}. The queue is empty now.`
    // The next track is not heard yet (it may even fail): the now-playing message confirms it.
    : `${passed} ${what}. Starting ${trackLine(outcome.now.track)}…`
}

/** The one message a guild sees when its music came back after the bot restarted. */
export const restoredNotice = (event: Restored): BaseMessageOptions => {
  const more = event.queued > 0 ? ` ${plural(event.queued, "more track is", "more tracks are")} still queued.` : ""
  const what = event.entry === null ? "the queue" : trackLine(event.entry.track)
  const where = event.paused
    ? `${what} is paused at ${formatMs(event.positionMs)}; \`/resume\` from a voice channel continues it.`
    : `${what} continues from ${formatMs(event.positionMs)}.`
  return { content: `I'm back after a restart: ${where}${more}` }
}

/** Autoplay came up empty: said, so the silence after the last track is no mystery. */
export const autoplayEmptyNotice = (event: AutoplayFoundNothing): BaseMessageOptions => ({
  content: `Autoplay found nothing new to play after **${clip(event.after, 100)}**. Add something with \`/play\`.`,
  allowedMentions: { parse: [] }
})

/** Why the now-playing message stopped, in its final look. */
export const teardownText = ({ by, reason }: Teardown): string => {
  const who = by === null
    ? "someone"
    : by.keyName !== null
    ? `the API key **${escape(by.keyName)}**`
    : `<@${by.userId}>${by.origin === "http" ? " from the dashboard" : ""}`
  switch (reason) {
    case "stopped":
      return `Stopped by ${who}.`
    case "left":
      return `${who.charAt(0).toUpperCase()}${who.slice(1)} asked me to leave the voice channel.`
    case "alone":
      return "Everyone left the voice channel, so I left too."
    case "kicked":
      return "I was disconnected from the voice channel."
    case "lost":
      return "I lost my connection to the voice channel."
    case "idle":
      return "Nothing played for a while, so I left the voice channel."
    case "shutdown":
      return "I was shut down or restarted."
  }
}

/** What plays after tracks that failed: one heard now, the one about to start, or nothing. */
export type AfterFailure =
  | { readonly _tag: "Playing"; readonly entry: QueueEntry }
  | { readonly _tag: "Next"; readonly entry: QueueEntry }
  | { readonly _tag: "Empty" }

/** One message for tracks that failed one after another: each with its reason, then what plays instead. */
export const failureNotice = (
  failures: ReadonlyArray<{ readonly entry: QueueEntry; readonly reason: string }>,
  after: AfterFailure
): BaseMessageOptions => {
  const [only] = failures
  const what = failures.length === 1 && only !== undefined
    ? `Couldn't play ${trackLine(only.entry.track)}: ${only.reason}.`
    : [`Couldn't play ${failures.length} tracks:`, ...failures.map((f) => `• ${trackLine(f.entry.track)}: ${f.reason}`)]
      .join("\n")
  const instead = after._tag === "Playing"
    ? `Now playing ${trackLine(after.entry.track)} instead.`
    : after._tag === "Next"
    ? `Next up: ${trackLine(after.entry.track)}.`
    : "Nothing else is queued."
  return { content: `${what}\n${instead}`, allowedMentions: { parse: [] } }
}
