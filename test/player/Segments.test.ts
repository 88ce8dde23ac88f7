/**
 * Parts of a track in the player: skipping SponsorBlock's segments, as the player decides it (pure,
 * without sound: see SponsorBlockAudio.test.ts), and chapters kept in snapshots.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Cmd from "../../schema/PlayerCommand.ts"
import type { Segment } from "../../schema/Segments.ts"
import { SnapshotJson } from "../../schema/Snapshot.ts"
import { Track } from "../../schema/Track.ts"
import type { Core } from "../../src/player/Plan.ts"
import { dueSegment } from "../../src/player/Skips.ts"
import { transition } from "../../src/player/Transition.ts"
import { ctx, enqueue, start } from "./support/commands.ts"
import { track, user } from "./support/tracks.ts"

const intro: Segment = { startMs: 0, endMs: 14_000, category: "music_offtopic" }
const sponsor: Segment = { startMs: 30_000, endMs: 45_000, category: "sponsor" }
const outro: Segment = { startMs: 50_000, endMs: 59_800, category: "outro" }

const reached = (core: Core, segment: Segment, runId = core.run!.runId) => new Cmd.SegmentReached({ runId, segment })
const tags = (work: ReadonlyArray<{ readonly _tag: string }>) => work.map((w) => w._tag)

describe("skipping a segment", () => {
  it("is due from its start while enough of it is left, only for a run that began before it", () => {
    const segments = [intro, sponsor]
    assert.strictEqual(dueSegment(segments, 0, 0), intro, "a segment at 0:00 is skipped at once")
    assert.strictEqual(dueSegment(segments, 0, 29_980), null)
    assert.strictEqual(dueSegment(segments, 0, 30_000), sponsor)
    assert.strictEqual(dueSegment(segments, 14_000, 31_000), sponsor, "a run that began where the intro ended")
    assert.strictEqual(dueSegment(segments, 35_000, 36_000), null, "sought into the segment: meant to be heard")
    assert.strictEqual(dueSegment(segments, 0, 44_600), null, "what is left of it is not worth a new run")
  })

  it("plays on from the segment's end and says so; a stale run's report does nothing", () => {
    const core = transition(start, enqueue("a", "b"), ctx()).core
    const stale = transition(core, reached(core, sponsor, core.run!.runId + 1), ctx({ positionMs: 30_000 }))
    assert.strictEqual(stale.core, core)
    assert.deepStrictEqual(stale.work, [])
    const skipped = transition(core, reached(core, sponsor), ctx({ positionMs: 30_020 }))
    // The next track stays prepared (playback keeps what it holds for the same entry and sound).
    assert.deepStrictEqual(tags(skipped.work), ["Publish", "Play", "Prepare"])
    const [event, play] = skipped.work
    assert.isTrue(event?._tag === "Publish" && event.event._tag === "SegmentSkipped")
    assert.deepStrictEqual(event?._tag === "Publish" && event.event._tag === "SegmentSkipped" ? event.event.segment : null, sponsor)
    assert.isTrue(play?._tag === "Play" && play.startMs === 45_000 && play.handover === "jump")
    assert.strictEqual(skipped.core.player.position.ms, 45_000)
    assert.strictEqual(skipped.core.player.queue.current?.track.title, "a", "the same track goes on")
  })

  it("a segment lasting to the track's end ends the track, and the next one plays", () => {
    const core = transition(start, enqueue("a", "b"), ctx()).core
    const skipped = transition(core, reached(core, outro), ctx({ positionMs: 50_000 }))
    const events = skipped.work.flatMap((w) => (w._tag === "Publish" ? [w.event] : []))
    assert.deepStrictEqual(events.map((e) => e._tag).slice(0, 3), ["SegmentSkipped", "TrackEnded", "TrackStarted"])
    const ended = events[1]
    assert.isTrue(ended?._tag === "TrackEnded" && ended.reason === "finished" && ended.atMs === 50_000)
    assert.strictEqual(skipped.core.player.queue.current?.track.title, "b")
  })

  it("a paused player has no run: a report that arrives after the pause does nothing", () => {
    const playing = transition(start, enqueue("a"), ctx()).core
    const paused = transition(playing, new Cmd.Pause({ requester: user }), ctx({ positionMs: 29_990 })).core
    const late = transition(paused, reached(playing, sponsor), ctx())
    assert.strictEqual(late.core, paused)
  })
})

describe("chapters in snapshots", () => {
  it("a track keeps its chapters through a snapshot, and one stored before chapters were kept still reads", () => {
    const chapters = [{ startMs: 0, endMs: 20_000, title: "Intro" }, { startMs: 20_000, endMs: 60_000, title: "Song" }]
    const played = transition(start, new Cmd.Enqueue({ tracks: [new Track({ ...track("mix"), chapters })], position: "end", requester: user }), ctx())
    const snapshot = { version: 1 as const, state: played.core.player, voiceChannelId: null, positionMs: 0, takenAtMs: 0 }
    const text = Schema.encodeSync(SnapshotJson)(snapshot)
    assert.deepStrictEqual(Schema.decodeSync(SnapshotJson)(text).state.queue.current?.track.chapters, chapters)
    const older = JSON.parse(text)
    delete older.state.queue.current.track.chapters
    const read = Schema.decodeSync(SnapshotJson)(JSON.stringify(older))
    assert.strictEqual(read.state.queue.current?.track.title, "mix")
    assert.isUndefined(read.state.queue.current?.track.chapters)
  })
})
