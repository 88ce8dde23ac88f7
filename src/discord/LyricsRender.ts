/** How lyrics look in Discord: pages of words, and the live view of synced lines. */
import { type BaseMessageOptions, EmbedBuilder } from "discord.js"
import type { Song } from "../lyrics/Lyrics.ts"
import { escape, pageButtons } from "./Render.ts"

/** Lines a page holds at most; a page also stays well under an embed's 4096 characters. */
const pageLines = 30
const pageChars = 3500

/** The song's words, split at line ends into pages (a line too long for a page is cut). */
export const lyricsPages = (song: Song): ReadonlyArray<string> => {
  const pages: Array<string> = []
  let page: Array<string> = []
  let size = 0
  for (const raw of (song.plain ?? "").split(/\r\n|\r|\n/)) {
    const line = escape(raw).slice(0, pageChars)
    if (page.length >= pageLines || size + line.length + 1 > pageChars) {
      pages.push(page.join("\n"))
      page = []
      size = 0
    }
    page.push(line)
    size += line.length + 1
  }
  const last = page.join("\n")
  if (last.trim() !== "" || pages.length === 0) pages.push(last)
  return pages
}

const heading = (song: Song) => `${song.trackName} — ${song.artistName}`.slice(0, 256)

/** One page of the words, with buttons to the others: `lyrics:<LRCLIB id>:<page>`. */
export const lyricsMessage = (song: Song, page: number, note: string | null = null): BaseMessageOptions => {
  const pages = lyricsPages(song)
  const p = Math.min(Math.max(1, page), pages.length)
  const embed = new EmbedBuilder()
    .setTitle(heading(song))
    .setDescription(pages[p - 1] || "(no words)")
    .setFooter({ text: `Page ${p} of ${pages.length} · lyrics from LRCLIB` })
  return { content: note ?? "", embeds: [embed], components: pageButtons(`lyrics:${song.id}`, p, pages.length) }
}

/** Lines shown around the one being sung. */
const before = 3
const after = 6

/** The synced lines around `current` (an index of `song.synced`; -1 before the first), the current one marked. */
export const liveMessage = (song: Song, current: number): BaseMessageOptions => {
  const from = Math.max(0, current - before)
  const lines = song.synced.slice(from, Math.max(current, 0) + after + 1).map((line, i) => {
    const text = line.text === "" ? "♪" : escape(line.text)
    return from + i === current ? `**▶ ${text}**` : text
  })
  const embed = new EmbedBuilder()
    .setTitle(heading(song))
    .setDescription(lines.join("\n").slice(0, 4000) || "♪")
    .setFooter({ text: "Live: follows the track · lyrics from LRCLIB" })
  return { content: "", embeds: [embed], components: [] }
}

export const notPlayingText = "Nothing is playing right now. To look a song up, give `/lyrics` a `query`."
export const notFoundText = (what: string) => `I couldn't find lyrics for **${escape(what.slice(0, 200))}**.`
export const instrumentalText = (song: Song) => `**${escape(heading(song))}** is an instrumental: there are no words to show.`
export const noLiveText = "These lyrics aren't timed, so there is no live view; here they are in full."
export const liveFollowsPlayingText = "The live view follows what is playing; here are the lyrics you asked for."
export const liveEndedText = "The live view has ended."
