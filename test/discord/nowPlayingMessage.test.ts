import { assert, describe, it } from "@effect/vitest"
import { type APIEmbed, EmbedBuilder } from "discord.js"
import { GuildId, UserId } from "../../schema/Ids.ts"
import {
  EntryId,
  initialPlayerState,
  type PlayerState,
  QueueEntry,
  queueLength,
  startsInMs
} from "../../schema/PlayerState.ts"
import { Track } from "../../schema/Track.ts"
import { EQ_PRESETS } from "../../src/audio/EffectCatalog.ts"
import type { PlayProgress } from "../../src/control/Play.ts"
import { nowPlayingMessage } from "../../src/discord/NowPlayingMessage.ts"
import { playSummary, queueMessage } from "../../src/discord/Render.ts"
import { track } from "../player/support/tracks.ts"

const guildId = GuildId.make("300000000000000001")
const bob = UserId.make("200000000000000002")
const entry = (n: number, t: Track = track(`t${n}`)) => new QueueEntry({ entryId: EntryId.make(n), track: t })
const unknownLength = (name: string) => new Track({ ...track(name), durationMs: null })

/** t1 (3:00) playing at 1:00 since `at`, then t2 (3:00, bob's), t3 (3:00) and t4 (3:00). */
const at = 1_000_000
const playing = (over: Partial<PlayerState> = {}): PlayerState => {
  const base = initialPlayerState(guildId)
  return {
    ...base,
    queue: {
      ...base.queue,
      current: entry(1),
      upcoming: [entry(2, new Track({ ...track("t2"), requester: bob })), entry(3), entry(4)],
      nextEntryId: EntryId.make(5)
    },
    position: { ms: 60_000, atMs: at, playing: true },
    ...over
  }
}

const embedOf = (message: { readonly embeds?: ReadonlyArray<unknown> | undefined }): APIEmbed => {
  const [embed] = message.embeds ?? []
  assert.instanceOf(embed, EmbedBuilder)
  return embed.toJSON()
}

const buttonsOf = (message: { readonly components?: ReadonlyArray<unknown> | undefined }) =>
  (message.components ?? []).map((row) =>
    (JSON.parse(JSON.stringify(row)) as { components: ReadonlyArray<{ custom_id: string; disabled?: boolean }> }).components
  )

describe("the now-playing message", () => {
  it("shows who asked, what comes next and how long the queue runs, with the sound and autoplay settings", () => {
    const state = playing({ volume: 80, effects: ["nightcore"], equalizer: [...EQ_PRESETS.bass] })
    const embed = embedOf(nowPlayingMessage(state, at + 30_000, { autoplay: true, substitution: null }))
    assert.strictEqual(embed.title, "Now playing")
    assert.include(embed.description, "**t1** (3:00)\n1:30 ")
    assert.deepStrictEqual(embed.fields?.map((f) => [f.name, f.value]), [
      ["Requested by", `<@${track("t1").requester}>`],
      ["Up next", "**t2** (3:00)"],
      ["Queue", "3 tracks · 9:00"]
    ])
    assert.strictEqual(embed.footer?.text, "Volume 80% · Loop: off · Effects: nightcore · EQ: bass · Autoplay: on")
  })

  it("says what follows the last track: autoplay, the queue again, or nothing", () => {
    const last = (over: Partial<PlayerState["queue"]>) => {
      const state = playing()
      return { ...state, queue: { ...state.queue, upcoming: [], ...over } }
    }
    const next = (state: PlayerState, autoplay: boolean) =>
      embedOf(nowPlayingMessage(state, at, { autoplay, substitution: null })).fields?.find((f) => f.name === "Up next")?.value
    assert.strictEqual(next(last({}), true), "Autoplay picks something related")
    assert.strictEqual(next(last({}), false), "Nothing: add more with `/play`")
    assert.strictEqual(next(last({ loop: "queue", history: [entry(9)] }), false), "The queue again, from the top")
    assert.strictEqual(embedOf(nowPlayingMessage(last({}), at)).fields?.find((f) => f.name === "Queue")?.value, "Empty")
  })

  it("counts tracks of unknown length apart, and never calls them live", () => {
    const state = playing()
    const withUnknown = { ...state, queue: { ...state.queue, current: entry(1, unknownLength("t1")), upcoming: [entry(2), entry(3, unknownLength("t3"))] } }
    const embed = embedOf(nowPlayingMessage(withUnknown, at))
    assert.strictEqual(embed.fields?.find((f) => f.name === "Queue")?.value, "2 tracks · 3:00 + 1 of unknown length")
    assert.notInclude(embed.description, "live")
    const radio = { ...state, queue: { ...state.queue, current: entry(1, new Track({ ...unknownLength("radio"), live: true })) } }
    assert.include(embedOf(nowPlayingMessage(radio, at)).description, "1:00 · live")
  })

  it("tells listeners when another site plays the track in place of its own", () => {
    const embed = embedOf(nowPlayingMessage(playing(), at, { autoplay: false, substitution: { from: "YouTube", to: "SoundCloud" } }))
    assert.include(embed.description, "From SoundCloud instead: YouTube isn't available right now.")
    assert.notInclude(embedOf(nowPlayingMessage(playing(), at)).description, "instead")
  })

  it("has previous, pause, skip, stop and loop, then shuffle, the queue and the ratings", () => {
    const rows = buttonsOf(nowPlayingMessage(playing(), at))
    assert.deepStrictEqual(rows.map((row) => row.map((b) => b.custom_id)), [
      ["np:previous", "np:toggle", "np:skip", "np:stop", "np:loop"],
      ["np:shuffle", "np:queue", "rate:up", "rate:down"]
    ])
    // Nothing was played before: there is nothing to go back to.
    assert.isTrue(rows[0]?.[0]?.disabled)
    const after = playing()
    const withHistory = { ...after, queue: { ...after.queue, history: [entry(9)] } }
    assert.isFalse(buttonsOf(nowPlayingMessage(withHistory, at))[0]?.[0]?.disabled)
  })
})

describe("queue times", () => {
  it("adds what is left of the current track to the lengths before an entry", () => {
    const state = playing()
    assert.strictEqual(startsInMs(state, at + 30_000, 0), 90_000)
    assert.strictEqual(startsInMs(state, at + 30_000, 2), 90_000 + 2 * 180_000)
    // Paused, the current track's rest does not shrink.
    assert.strictEqual(startsInMs({ ...state, position: { ...state.position, playing: false } }, at + 30_000, 0), 120_000)
    assert.deepStrictEqual(queueLength(state), { ms: 540_000, unknown: 0 })
  })

  it("gives no start after a length nobody knows, nor behind a track that loops", () => {
    const state = playing()
    const unknown = { ...state, queue: { ...state.queue, upcoming: [entry(2, unknownLength("t2")), entry(3)] } }
    assert.strictEqual(startsInMs(unknown, at, 0), 120_000)
    assert.isNull(startsInMs(unknown, at, 1))
    assert.isNull(startsInMs({ ...state, queue: { ...state.queue, loop: "track" } }, at, 0))
  })

  it("lists each entry with its requester and start, and the queue's whole length", () => {
    const description = embedOf(queueMessage(playing(), 1, at)).description ?? ""
    const lines = description.split("\n")
    assert.include(lines[0], `**Now:** **t1** (3:00) · <@${track("t1").requester}>`)
    assert.include(description, "3 tracks queued, 9:00 in all.")
    assert.include(description, `\`1.\` **t2** (3:00) · <@${bob}> · in 2:00`)
    assert.include(description, "`3.` **t4** (3:00) · <@")
    assert.include(description, " · in 8:00")
  })

  it("says when a queued track should start", () => {
    const lead = track("lead")
    const queued = (startsIn: number | null): PlayProgress => ({
      lead,
      startedAt: 4,
      added: 1,
      queued: [],
      skipped: 0,
      tooLong: 0,
      trackLimitMs: 10_800_000,
      start: null,
      startsInMs: startsIn,
      batch: { tracks: [lead], playlist: null, loaded: 1, expected: 1 },
      done: true
    })
    assert.strictEqual(playSummary(queued(612_000)), "Queued **lead** (3:00) at position 4, starting in about 10:12")
    assert.strictEqual(playSummary(queued(null)), "Queued **lead** (3:00) at position 4")
  })
})
