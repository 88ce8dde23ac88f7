/** How saved playlists look in Discord: a page of tracks, the lists, and the short answers. */
import { AttachmentBuilder, type BaseMessageOptions, EmbedBuilder } from "discord.js"
import { formatMs } from "../../schema/PlayerError.ts"
import { documentText, type PlaylistDocument } from "../control/PlaylistFile.ts"
import {
  type PlaylistAddition,
  type PlaylistListing,
  type PlaylistPage,
  type PlaylistRemoval,
  type PlaylistSummary,
  scopeOf
} from "../control/Playlists.ts"
import { escape, pageButtons, trackLine } from "./Render.ts"
import { clip, plural } from "../../schema/Wording.ts"


/** The name as it stands in a sentence. */
export const named = (playlist: Pick<PlaylistSummary, "name">) => `**${escape(playlist.name)}**`

const whose = (playlist: PlaylistSummary) => (scopeOf(playlist.owner) === "user" ? "yours" : "this server's")

const facts = (playlist: PlaylistSummary) =>
  [plural(playlist.trackCount, "track"), ...(playlist.durationMs > 0 ? [formatMs(playlist.durationMs)] : []), whose(playlist)]
    .join(" · ")

/**
 * A track's line on a page. An imported link can be 2000 characters long: such a line names the
 * track without linking it, so that ten of them stay within an embed's 4096.
 */
const pageLine = (track: PlaylistPage["tracks"][number], position: number) => {
  const linked = trackLine(track)
  return `\`${position}.\` ${linked.length <= 380 ? linked : trackLine({ ...track, location: "" })}`
}

/** One page of a playlist, with buttons to its neighbours (`playlist:<id>:<page>`). */
export const playlistPageMessage = (shown: PlaylistPage): BaseMessageOptions => {
  const { playlist, page, pages, offset, tracks } = shown
  const lines = tracks.map((track, i) => pageLine(track, offset + i + 1))
  const embed = new EmbedBuilder()
    .setTitle(clip(`${playlist.name} — page ${page} of ${pages}`, 256))
    .setDescription(lines.length === 0 ? "This playlist is empty." : lines.join("\n"))
    .setFooter({ text: facts(playlist) })
  return { content: "", embeds: [embed], components: pageButtons(`playlist:${playlist.id}`, page, pages) }
}

/** An embed field holds 1024 characters: the names that fit, and how many did not. */
const fieldLength = 1000

const listField = (name: string, playlists: ReadonlyArray<PlaylistSummary>) => {
  const lines: Array<string> = []
  let length = 0
  for (const p of playlists) {
    const line = `• ${named({ name: clip(p.name, 40) })} — ${plural(p.trackCount, "track")}`
    if (length + line.length + 1 > fieldLength - 20) break
    lines.push(line)
    length += line.length + 1
  }
  const more = playlists.length > lines.length ? [`…and ${playlists.length - lines.length} more`] : []
  return { name, value: lines.length === 0 ? "None yet." : [...lines, ...more].join("\n") }
}

export const playlistListMessage = (listing: PlaylistListing): BaseMessageOptions => {
  const fields = [
    ...(listing.own === null ? [] : [listField("Yours", listing.own)]),
    ...(listing.guild === null ? [] : [listField("This server's", listing.guild)])
  ]
  const embed = new EmbedBuilder()
    .setTitle("Saved playlists")
    .addFields(fields)
    .setFooter({ text: "/playlist save keeps the queue; /playlist load plays one." })
  return { content: "", embeds: [embed] }
}

/** An autocomplete choice (Discord allows 100 characters). */
export const suggestionLabel = (playlist: PlaylistSummary): string =>
  clip(`${playlist.name} · ${plural(playlist.trackCount, "track")}${scopeOf(playlist.owner) === "guild" ? " · this server's" : ""}`, 100)

export const savedText = (playlist: PlaylistSummary) =>
  `Saved the queue as ${named(playlist)} (${plural(playlist.trackCount, "track")}, ${whose(playlist)}).`

export const addedText = ({ playlist, tracks, position, from }: PlaylistAddition) => {
  const [first] = tracks
  const what = tracks.length === 1 && first !== undefined
    ? trackLine(first)
    : `${plural(tracks.length, "track")}${from === null ? "" : ` from **${escape(from.title)}**`}`
  return `Added ${what} to ${named(playlist)} at position ${position} (now ${plural(playlist.trackCount, "track")}).`
}

export const removedText = ({ playlist, track, position }: PlaylistRemoval) =>
  `Removed ${trackLine(track)} (position ${position}) from ${named(playlist)}.`

export const renamedText = (renamed: { readonly before: PlaylistSummary; readonly after: PlaylistSummary }) =>
  `Renamed ${named(renamed.before)} to ${named(renamed.after)}.`

export const deletedText = (playlist: PlaylistSummary) =>
  `Deleted ${named(playlist)} (${plural(playlist.trackCount, "track")}).`

export const importedText = (playlist: PlaylistSummary) =>
  `Imported ${named(playlist)} with ${plural(playlist.trackCount, "track")} as ${whose(playlist)}.`

/** A file name from the playlist's name: letters, digits, dots and dashes. */
const fileName = (name: string) => `${name.replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^-+|-+$/g, "") || "playlist"}.json`

export const exportMessage = (exported: { readonly playlist: PlaylistSummary; readonly document: PlaylistDocument }) => ({
  content: `${named(exported.playlist)} (${plural(exported.playlist.trackCount, "track")}) as a file; \`/playlist import\` reads it back.`,
  files: [new AttachmentBuilder(Buffer.from(documentText(exported.document), "utf8"), { name: fileName(exported.playlist.name) })]
})
