import { assert, describe, it } from "@effect/vitest"
import { type APIEmbed, EmbedBuilder } from "discord.js"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { PlaylistId, type PlaylistSummary } from "../../src/control/Playlists.ts"
import { parsePosition } from "../../src/discord/commands/control.ts"
import { playlistListMessage, playlistPageMessage } from "../../src/discord/PlaylistRender.ts"
import { nowPlayingMessage } from "../../src/discord/NowPlayingMessage.ts"
import { pickedLine, progressBar, restoredNotice, skipNotice, skipText } from "../../src/discord/Render.ts"
import { statsMessage } from "../../src/discord/StatsRender.ts"
import { Restored } from "../../schema/PlayerEvent.ts"
import { EntryId, initialPlayerState, QueueEntry } from "../../schema/PlayerState.ts"
import { Track } from "../../schema/Track.ts"
import { plural } from "../../schema/Wording.ts"
import type { PlayProgress } from "../../src/control/Play.ts"
import { track } from "../player/support/tracks.ts"

const owner = { _tag: "Guild", guildId: GuildId.make("300000000000000001") } as const
const summary = (name: string, trackCount = 10): PlaylistSummary => ({
  id: PlaylistId.make("7"),
  owner,
  name,
  trackCount,
  durationMs: 0
})
const embedOf = (message: { readonly embeds?: ReadonlyArray<unknown> | undefined }): APIEmbed => {
  const [embed] = message.embeds ?? []
  assert.instanceOf(embed, EmbedBuilder)
  return embed.toJSON()
}

describe("option parsing and rendering", () => {
  it("reads seek positions as m:ss, h:mm:ss or seconds", () => {
    assert.strictEqual(parsePosition("1:23"), 83_000)
    assert.strictEqual(parsePosition("1:02:03"), 3_723_000)
    assert.strictEqual(parsePosition("90"), 90_000)
    assert.strictEqual(parsePosition(" 2.5 "), 2_500)
    assert.isNull(parsePosition("1:75"))
    assert.isNull(parsePosition("soon"))
    assert.isNull(parsePosition("-3"))
    // Bounded before it is read: a 400-digit value once became Infinity and an internal error.
    assert.isNull(parsePosition("9".repeat(400)))
    assert.isNull(parsePosition(`1:${"0".repeat(300)}1`))
    assert.isNull(parsePosition("1e9"))
    assert.strictEqual(parsePosition("24:00:00"), 86_400_000)
    assert.isNull(parsePosition("24:00:01"), "no track plays past a day")
  })

  it("shows the chapter playing in now playing, when the track has chapters", () => {
    const chapters = [
      { startMs: 0, endMs: 60_000, title: "Intro" },
      { startMs: 60_000, endMs: 180_000, title: "The *long* part" }
    ]
    const guildId = GuildId.make("300000000000000001")
    const at = (t: Track, ms: number) => ({
      ...initialPlayerState(guildId),
      queue: { ...initialPlayerState(guildId).queue, current: new QueueEntry({ entryId: EntryId.make(1), track: t }) },
      position: { ms, atMs: 0, playing: false }
    })
    const chaptered = new Track({ ...track("mix"), chapters })
    const field = (ms: number, t = chaptered) => embedOf(nowPlayingMessage(at(t, ms), 0)).fields?.find((f) => f.name === "Chapter")
    assert.strictEqual(field(5_000)?.value, "Intro (0:00)")
    assert.strictEqual(field(61_000)?.value, "The \\*long\\* part (1:00)")
    assert.isUndefined(field(61_000, track("plain")), "no chapters, no field")
  })

  it("tells of a skipped part briefly, and of several in one line", () => {
    const intro = { startMs: 0, endMs: 14_000, category: "intro" } as const
    const talk = { startMs: 190_000, endMs: 212_000, category: "music_offtopic" } as const
    assert.strictEqual(skipNotice([talk]).content, "⏭ Skipped a non-music part (3:10–3:32).")
    assert.strictEqual(skipNotice([intro]).content, "⏭ Skipped an intro part (0:00–0:14).")
    assert.strictEqual(skipNotice([intro, talk]).content, "⏭ Skipped 2 parts: intro (0:00–0:14), non-music (3:10–3:32).")
  })

  it("draws a progress bar", () => {
    const minute = { durationMs: 60_000 }
    assert.strictEqual(progressBar(0, minute, 5), "0:00 🔘▬▬▬▬ 1:00")
    assert.strictEqual(progressBar(30_000, minute, 5), "0:30 ▬▬🔘▬▬ 1:00")
    assert.strictEqual(progressBar(90_000, minute, 5), "1:30 ▬▬▬▬🔘 1:00")
    assert.strictEqual(progressBar(5_000, { durationMs: null, live: true }), "0:05 · live")
    // A file whose length is not known yet is no live stream: it shows where it is, and no end.
    assert.strictEqual(progressBar(5_000, { durationMs: null }), "0:05")
  })

  it("keeps a playlist page within an embed's limits, even with imported links 2000 characters long", () => {
    const tracks = Array.from({ length: 10 }, (_, i) => ({
      id: `http:${i}`,
      kind: "http" as const,
      location: `https://music.example/${"x".repeat(1980)}/${i}.ogg`,
      title: `Tone ${i + 1}`,
      author: null,
      durationMs: null,
      artworkUrl: null,
      addedBy: UserId.make("200000000000000001")
    }))
    const page = playlistPageMessage({ playlist: summary("Long", 20), page: 2, pages: 2, offset: 10, tracks })
    const embed = embedOf(page)
    assert.isAtMost(embed.description?.length ?? 0, 4096)
    assert.include(embed.description, "`11.` **Tone 1**")
    assert.include(embed.description, "`20.` **Tone 10**")
    assert.match(embed.title ?? "", /Long — page 2 of 2/)
    assert.include(JSON.stringify(page.components), "playlist:7:1")
  })

  it("lists as many playlists as an embed field holds, and says how many more there are", () => {
    const many = Array.from({ length: 60 }, (_, i) => summary(`${"*".repeat(30)} ${i}`))
    const fields = embedOf(playlistListMessage({ own: [], guild: many })).fields ?? []
    assert.deepStrictEqual(fields.map((f) => f.name), ["Yours", "This server's"])
    assert.strictEqual(fields[0]?.value, "None yet.")
    assert.isAtMost(fields[1]?.value.length ?? 0, 1024)
    assert.match(fields[1]?.value ?? "", /…and \d+ more$/)
  })

  it("keeps every stats field within an embed field's 1024 characters, linking only the links that fit", () => {
    const tracks = Array.from({ length: 5 }, (_, i) => ({
      trackId: `http:${i}`,
      title: `${"~".repeat(i === 0 ? 20 : 100)} ${i}`,
      location: i === 0 ? "https://music.example/short.ogg" : `https://music.example/${"x".repeat(1980)}/${i}.ogg`,
      count: 1000 - i,
      score: 2 - i,
      ratings: 1000
    }))
    const userId = UserId.make("200000000000000001")
    const requesters = Array.from({ length: 5 }, () => ({ userId, plays: 100_000 }))
    const stats = { period: "year", mostPlayed: tracks, bestRated: tracks, topRequesters: requesters, mostSkipped: tracks } as const
    const fields = embedOf(statsMessage(stats)).fields ?? []
    assert.deepStrictEqual(fields.map((f) => f.name), ["Most played", "Best rated", "Top requesters", "Most skipped"])
    for (const f of fields) assert.isAtMost(f.value.length, 1024, f.name)
    assert.match(fields[0]?.value ?? "", /^`1\.` \[\\~.*\]\(https:\/\/music\.example\/short\.ogg\) — 1000 plays\n`2\.` \*\*/)
    assert.match(fields[1]?.value ?? "", /— \+2 \(1000 ratings\)\n.*— 0 .*— -2 \(1000 ratings\)$/s)
  })

  it("counts in words: one track, two tracks, everywhere a count is said", () => {
    assert.strictEqual(plural(1, "track"), "1 track")
    assert.strictEqual(plural(0, "track"), "0 tracks")
    assert.strictEqual(plural(2, "more track is", "more tracks are"), "2 more tracks are")
    const entry = (n: number) => new QueueEntry({ entryId: EntryId.make(n), track: track(`t${n}`) })
    assert.strictEqual(skipText({ _tag: "Skipped", byVote: false, skipped: [entry(1), entry(2)], now: null }),
      "Skipped 2 tracks. The queue is empty now.")
    const notice = (queued: number) =>
      String(restoredNotice(new Restored({ guildId: owner.guildId, entry: entry(1), positionMs: 0, paused: false, queued })).content)
    assert.include(notice(1), " 1 more track is still queued.")
    assert.include(notice(3), " 3 more tracks are still queued.")
  })

  it("tells a member who votes to skip again that they already did, with the count", () => {
    const vote = { _tag: "Voted", entry: new QueueEntry({ entryId: EntryId.make(1), track: track("a") }), votes: 1, needed: 2 } as const
    assert.strictEqual(skipText({ ...vote, repeated: false }), "Vote to skip **a** (3:00): 1 of 2 votes.")
    assert.strictEqual(skipText({ ...vote, repeated: true }), "You already voted to skip **a** (3:00): 1 of 2 votes so far.")
  })

  it("announces a /search pick in the channel: who queued what, and where", () => {
    const progress = (startedAt: number, lead: PlayProgress["lead"]): PlayProgress => ({
      lead,
      startedAt,
      added: lead === null ? 0 : 1,
      queued: [],
      skipped: lead === null ? 1 : 0,
      tooLong: 0,
      trackLimitMs: 10_800_000,
      batch: { tracks: [], playlist: null, loaded: 1, expected: 1 },
      done: true,
      start: null,
      startsInMs: null
    })
    const alice = "200000000000000001"
    assert.strictEqual(pickedLine(alice, progress(3, track("a"))), `<@${alice}> queued **a** (3:00) at position 3.`)
    assert.strictEqual(pickedLine(alice, progress(0, track("a"))), `<@${alice}> queued **a** (3:00), playing now.`)
    assert.isNull(pickedLine(alice, progress(0, null)), "nothing new was queued")
  })
})
