import { assert, describe, it } from "@effect/vitest"
import { EntryId, QueueEntry } from "../../schema/PlayerState.ts"
import * as Ev from "../../schema/PlayerEvent.ts"
import { startOf } from "../../src/control/Start.ts"
import type { PlayProgress } from "../../src/control/Play.ts"
import { failureNotice, playSummary, skipText, teardownText } from "../../src/discord/Render.ts"
import { guildA, track, user } from "../player/support/tracks.ts"

const entry = (entryId: number, name: string) => new QueueEntry({ entryId: EntryId.make(entryId), track: track(name) })

describe("announcing playback", () => {
  it("names why the now-playing message stopped, and who stopped it through which edge", () => {
    const member = { userId: user, origin: "discord", keyName: null } as const
    assert.strictEqual(teardownText({ reason: "stopped", by: member }), `Stopped by <@${user}>.`)
    assert.strictEqual(
      teardownText({ reason: "stopped", by: { ...member, origin: "http" } }),
      `Stopped by <@${user}> from the dashboard.`
    )
    assert.strictEqual(
      teardownText({ reason: "stopped", by: { ...member, origin: "http", keyName: "night_bot" } }),
      "Stopped by the API key **night\\_bot**."
    )
    assert.strictEqual(teardownText({ reason: "left", by: member }), `<@${user}> asked me to leave the voice channel.`)
    assert.match(teardownText({ reason: "alone", by: null }), /Everyone left/)
    assert.match(teardownText({ reason: "idle", by: null }), /Nothing played for a while/)
    assert.match(teardownText({ reason: "shutdown", by: null }), /shut down or restarted/)
  })

  it("tells one failure with its reason, several as a list, and what plays instead", () => {
    const one = failureNotice([{ entry: entry(2, "gone"), reason: "the file is gone" }], { _tag: "Empty" })
    assert.strictEqual(one.content, "Couldn't play **gone** (3:00): the file is gone.\nNothing else is queued.")
    const two = failureNotice(
      [{ entry: entry(2, "gone"), reason: "the file is gone" }, { entry: entry(3, "text"), reason: "the source has no audio" }],
      { _tag: "Playing", entry: entry(4, "next") }
    )
    assert.strictEqual(
      two.content,
      "Couldn't play 2 tracks:\n• **gone** (3:00): the file is gone\n• **text** (3:00): the source has no audio\n" +
        "Now playing **next** (3:00) instead."
    )
    const pending = failureNotice([{ entry: entry(2, "gone"), reason: "x" }], { _tag: "Next", entry: entry(4, "next") })
    assert.match(pending.content ?? "", /Next up: \*\*next\*\*/)
  })

  it("a request to play says Now playing only for a track heard", () => {
    const lead = track("lead")
    const progress = (start: PlayProgress["start"], added = 1): PlayProgress => ({
      lead,
      startedAt: 0,
      added,
      queued: [],
      skipped: 0,
      tooLong: 0,
      trackLimitMs: 10_800_000,
      start,
      startsInMs: null,
      batch: { tracks: [lead], playlist: null, loaded: added, expected: added },
      done: true
    })
    assert.strictEqual(playSummary(progress({ _tag: "Playing" })), "Now playing: **lead** (3:00)")
    assert.strictEqual(playSummary(progress({ _tag: "Starting" })), "Starting **lead** (3:00)…")
    assert.strictEqual(
      playSummary(progress({ _tag: "Failed", reason: "the source has no audio" }, 3)),
      "Couldn't play **lead** (3:00): the source has no audio; queued 2 more"
    )
  })

  it("a request answered by another site than the one asked says so, once and briefly", () => {
    const lead = track("lead")
    const progress = (substitution: PlayProgress["batch"]["substitution"]): PlayProgress => ({
      lead,
      startedAt: 0,
      added: 1,
      queued: [],
      skipped: 0,
      tooLong: 0,
      trackLimitMs: 10_800_000,
      start: { _tag: "Playing" },
      startsInMs: null,
      batch: { tracks: [lead], playlist: null, loaded: 1, expected: 1, substitution },
      done: true
    })
    assert.strictEqual(
      playSummary(progress({ from: "YouTube", to: "SoundCloud" })),
      "Now playing: **lead** (3:00)\n(From SoundCloud instead: YouTube isn't available right now.)"
    )
    assert.strictEqual(playSummary(progress(undefined)), "Now playing: **lead** (3:00)")
  })

  it("a skip names the next track as starting, not as playing", () => {
    const text = skipText({ _tag: "Skipped", byVote: false, skipped: [entry(1, "a")], now: entry(2, "b") })
    assert.strictEqual(text, "Skipped **a** (3:00). Starting **b** (3:00)…")
  })

  it("reads a start from the events of its own guild and entry only", () => {
    const mine = entry(5, "mine")
    const other = entry(6, "other")
    const failed = (e: QueueEntry) => new Ev.TrackFailed({ guildId: guildA, entry: e, reason: "no audio", atMs: 0 })
    assert.deepStrictEqual(startOf(new Ev.TrackAudible({ guildId: guildA, entry: mine }), guildA, 5), { _tag: "Playing" })
    assert.isNull(startOf(new Ev.TrackAudible({ guildId: guildA, entry: other }), guildA, 5))
    assert.deepStrictEqual(startOf(failed(mine), guildA, 5), { _tag: "Failed", reason: "no audio" })
    assert.isNull(startOf(failed(other), guildA, 5))
    assert.deepStrictEqual(
      startOf(new Ev.Disconnected({ guildId: guildA, reason: "stopped", by: null }), guildA, 5),
      { _tag: "Starting" }
    )
    assert.isNull(startOf(new Ev.Idle({ guildId: guildA }), guildA, 5))
  })
})
