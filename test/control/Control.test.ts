import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import { Track } from "../../schema/Track.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import type { Actor } from "../../src/control/Actor.ts"
import { Control } from "../../src/control/Control.ts"
import type { MemberInfo } from "../../src/gateway/GuildDirectory.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { makeFakeAudio } from "../player/support/FakeAudio.ts"
import { fakeDirectory, memoryAudit, memorySettings } from "../support/guildFakes.ts"

const guild = GuildId.make("300000000000000001")
const music = ChannelId.make("400000000000000001")
const lounge = ChannelId.make("400000000000000002")
const text = ChannelId.make("400000000000000009")
const djRole = RoleId.make("500000000000000001")
const [alice, bob, carol, dave] = ["1", "2", "3", "4"].map((n) => UserId.make(`20000000000000000${n}`)) as [
  UserId,
  UserId,
  UserId,
  UserId
]

/** Alice is a DJ and Bob is not, both in the music channel; Carol is in no channel; Dave manages the server. */
const members = () =>
  new Map<string, MemberInfo>([
    [alice, { userId: alice, roleIds: [djRole], manager: false, voiceChannelId: music }],
    [bob, { userId: bob, roleIds: [], manager: false, voiceChannelId: music }],
    [carol, { userId: carol, roleIds: [], manager: false, voiceChannelId: null }],
    [dave, { userId: dave, roleIds: [], manager: true, voiceChannelId: music }]
  ])

const fileTrack = (name: string, durationMs: number, requester: UserId) =>
  new Track({
    id: `file:${name}`,
    kind: "file",
    location: `/m/${name}-${durationMs}.flac`,
    title: name,
    author: null,
    durationMs,
    artworkUrl: null,
    requester
  })

/** A playlist of a 10-minute, a 4-hour and a 1-minute track. */
const mixed = [["ten", 600_000], ["four-hours", 14_400_000], ["one", 60_000]] as const

/** Every query is one 10-minute track named after it; "nothing" finds nothing; "mixed" is a playlist of `mixed`. */
const resolver = Layer.mock(Resolver, {
  resolveStream: (query, requester) =>
    Stream.make({
      tracks: query === "nothing"
        ? []
        : query === "mixed"
        ? mixed.map(([name, ms]) => fileTrack(name, ms, requester))
        : [fileTrack(query, 600_000, requester)],
      playlist: query === "mixed" ? { id: "mixed", title: "Mixed", url: null, totalCount: 3, truncated: false } : null,
      loaded: query === "mixed" ? 3 : 1,
      expected: query === "mixed" ? 3 : 1
    }),
  autocomplete: (query) => Effect.succeed(query === "nothing" ? [] : [{ name: query, value: query }])
})

const setup = () => {
  const fake = makeFakeAudio()
  const directory = members()
  const audit = memoryAudit()
  const layer = Control.layer.pipe(
    Layer.provide([resolver, memorySettings(), fakeDirectory(directory), audit.layer]),
    Layer.provideMerge(PlayerRegistry.layer().pipe(Layer.provideMerge(fake.layer)))
  )
  return { fake, directory, layer, audit: audit.recorded }
}

const as = (userId: UserId) =>
  Effect.flatMap(Control, (control) => control.member("discord", guild, userId)).pipe(
    Effect.map((found) => Option.getOrThrow(found) satisfies Actor)
  )

const advance = (duration: Duration.Input) =>
  TestClock.withLive(Effect.sleep("25 millis")).pipe(Effect.andThen(TestClock.adjust(duration)))

const play = (actor: Actor, query: string) =>
  Effect.flatMap(Control, (control) => control.play(actor, { source: { _tag: "Query", query }, next: false, announceIn: text }))

describe("the application core, without Discord", () => {
  it.effect("plays in the caller's voice channel, announcing where playback started; refuses whoever cannot start", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      const registry = yield* PlayerRegistry
      const refused = yield* play(yield* as(carol), "song").pipe(Effect.flip)
      assert.strictEqual(refused._tag === "Refusal" ? refused.reason._tag : refused._tag, "NotInVoice")
      assert.isNull(yield* registry.channel(guild))

      const progress = yield* play(yield* as(bob), "song")
      assert.strictEqual(progress.startedAt, 0)
      assert.strictEqual(progress.lead?.title, "song")
      assert.isTrue(progress.done)
      assert.strictEqual(yield* registry.channel(guild), music)
      const state = yield* control.view(guild)
      assert.strictEqual(state.queue.current?.track.requester, bob)
      assert.strictEqual(state.textChannelId, text)
      yield* advance("100 millis")
      assert.isAbove(fake.log.sent.length, 0)

      const none = yield* play(yield* as(bob), "nothing").pipe(Effect.flip)
      assert.strictEqual(none.message, "I found nothing to play there.")
      const searched = yield* control.search(yield* as(bob), "nothing").pipe(Effect.flip)
      assert.strictEqual(searched.message, `Nothing found for "nothing".`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("applies the guild's DJ rules and the bot's channel to every use-case, and audits what changed", () => {
    const { audit, directory, layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      yield* play(yield* as(bob), "song")
      yield* control.settings(yield* as(dave), { djRole })
      const notDj = yield* control.setVolume(yield* as(bob), 50).pipe(Effect.flip)
      assert.strictEqual(notDj.message, "Only DJs can do that here.")
      assert.strictEqual((yield* control.setVolume(yield* as(alice), 50)).volume, 50)
      // Bob may still control playback from the channel, but not from another one.
      assert.strictEqual((yield* control.pause(yield* as(bob))).positionMs >= 0, true)
      directory.set(bob, { ...directory.get(bob)!, voiceChannelId: lounge })
      const outside = yield* control.resume(yield* as(bob)).pipe(Effect.flip)
      assert.strictEqual(outside.message, `Join <#${music}> to control the music.`)
      const settings = yield* control.settings(yield* as(bob), { autoplay: true }).pipe(Effect.flip)
      assert.strictEqual(settings._tag, "Refusal")
      const looked = yield* control.settings(yield* as(alice), {})
      assert.deepStrictEqual(looked.before, {
        djRoleId: djRole,
        voteSkipRatio: 0.5,
        djActions: ["volume", "effects", "stop", "clear"],
        maxQueueLength: null,
        maxPlaylistSize: null,
        maxTrackMinutes: null,
        allowDuplicates: true,
        autoplay: false,
        stay: false,
        repost: false,
        sponsorBlock: ["music_offtopic"],
        crossfade: 0
      })
      assert.deepStrictEqual(looked.after, looked.before)
      // What changed is in the audit log, who did it and what; refusals and plain looks are not.
      assert.deepStrictEqual(audit.map((e) => [e.userId, e.action]), [
        [bob, "queued"],
        [dave, "settings"],
        [alice, "volume"],
        [bob, "paused"]
      ])
      assert.deepStrictEqual(audit[1]?.detail, { djRole })
      assert.deepStrictEqual(audit[2]?.detail, { volume: 50 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a guild's queue limit and duplicate policy hold from the next track queued, under the bot's cap", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      const owner = yield* as(dave)
      yield* play(owner, "first")
      yield* play(owner, "second")
      const set = yield* control.settings(owner, { maxQueueLength: 1, allowDuplicates: false })
      assert.deepStrictEqual([set.after.maxQueueLength, set.after.allowDuplicates], [1, false])
      // The player already playing heeds it: "second" waits, and the queue holds one.
      const full = yield* play(owner, "third").pipe(Effect.flip)
      assert.strictEqual(full.message, "the queue is full (1 track); skip or remove some first")
      yield* control.settings(owner, { maxQueueLength: 5 })
      const twice = yield* play(owner, "second").pipe(Effect.flip)
      assert.strictEqual(twice.message, "\"second\" is already in the queue")
      yield* control.settings(owner, { allowDuplicates: true, maxQueueLength: null })
      assert.strictEqual((yield* play(owner, "second")).startedAt, 2)

      const above = yield* control.settings(owner, { maxQueueLength: 1001 }).pipe(Effect.flip)
      assert.strictEqual(above.message, "A queue here holds at most 1000 tracks (the bot's own limit); pick 1000 or fewer.")
      const playlists = yield* control.settings(owner, { maxPlaylistSize: 5000 }).pipe(Effect.flip)
      assert.include(playlists.message, "A playlist here holds at most 1000 tracks")
      assert.isNull((yield* control.settings(owner, {})).before.maxQueueLength, "a refused change changes nothing")

      const faded = yield* control.settings(owner, { crossfade: 4 })
      assert.deepStrictEqual([faded.before.crossfade, faded.after.crossfade], [0, 4])
      assert.strictEqual((yield* control.settings(owner, {})).before.crossfade, 4)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a track longer than the bot's limit or the guild's lower one is refused, naming the limit; a playlist leaves it out", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      const owner = yield* as(dave)
      // The bot's own limit (MAX_TRACK_DURATION, 3 hours by default): the 4-hour track is left out, the others play.
      const loaded = yield* play(owner, "mixed")
      assert.deepStrictEqual(loaded.queued.map((q) => q.track.title), ["ten", "one"])
      assert.deepStrictEqual([loaded.tooLong, loaded.trackLimitMs], [1, 10_800_000])

      const above = yield* control.settings(owner, { maxTrackMinutes: 181 }).pipe(Effect.flip)
      assert.strictEqual(above.message, "A track here plays at most 180 minutes (the bot's own limit); pick 180 or fewer.")
      const set = yield* control.settings(owner, { maxTrackMinutes: 5 })
      assert.deepStrictEqual([set.before.maxTrackMinutes, set.after.maxTrackMinutes], [null, 5])
      const refused = yield* play(owner, "long").pipe(Effect.flip)
      assert.strictEqual(refused._tag, "Refusal")
      assert.strictEqual(refused.message, "That track is 10:00 long; this server plays tracks up to 5:00.")
      assert.notInclude((yield* control.view(guild)).queue.upcoming.map((e) => e.track.title), "long")
      const again = yield* play(owner, "mixed")
      assert.deepStrictEqual([again.queued.map((q) => q.track.title), again.tooLong], [["one"], 2])

      yield* control.settings(owner, { maxTrackMinutes: null })
      assert.strictEqual((yield* play(owner, "long")).queued[0]?.track.title, "long", "no limit of the guild's own: the bot's applies")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a guild chooses the SponsorBlock categories it skips, none turning it off; a non-DJ may not", () => {
    const { audit, layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      const owner = yield* as(dave)
      yield* control.settings(owner, { djRole })
      const set = yield* control.settings(owner, { sponsorBlock: ["sponsor", "music_offtopic"] })
      assert.deepStrictEqual([set.before.sponsorBlock, set.after.sponsorBlock], [["music_offtopic"], ["sponsor", "music_offtopic"]])
      assert.deepStrictEqual(audit.at(-1)?.detail, { sponsorBlock: ["sponsor", "music_offtopic"] })
      assert.deepStrictEqual((yield* control.settings(owner, {})).before.sponsorBlock, ["sponsor", "music_offtopic"])
      yield* control.settings(owner, { sponsorBlock: [] })
      assert.deepStrictEqual((yield* control.settings(owner, {})).before.sponsorBlock, [])
      const refused = yield* control.settings(yield* as(bob), { sponsorBlock: ["intro"] }).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "Refusal")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a guild keeps the action groups it chooses for DJs, and opens the others", () => {
    const { audit, layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      yield* play(yield* as(bob), "song")
      yield* play(yield* as(bob), "other")
      const set = yield* control.settings(yield* as(dave), { djRole, djOnly: { seek: true, skip: true, volume: false } })
      assert.deepStrictEqual(set.after.djActions, ["seek", "skip", "effects", "stop", "clear"])
      assert.deepStrictEqual(audit.at(-1)?.detail, { djRole, djOnly: { seek: true, skip: true, volume: false } })
      const bob_ = yield* as(bob)
      assert.strictEqual((yield* Effect.flip(control.seek(bob_, 1000))).message, "Only DJs can do that here.")
      // Skip kept for DJs: no vote, even for the track Bob queued himself.
      assert.strictEqual((yield* Effect.flip(control.skip(bob_, 1))).message, "Only DJs can do that here.")
      assert.strictEqual((yield* Effect.flip(control.previous(bob_))).message, "Only DJs can do that here.")
      assert.strictEqual((yield* control.setVolume(bob_, 40)).volume, 40)
      assert.strictEqual((yield* control.seek(yield* as(alice), 1000)).positionMs, 1000)
      const skipped = yield* control.skip(yield* as(alice), 1)
      assert.isTrue(skipped._tag === "Skipped" && !skipped.byVote)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a non-DJ's skip is a vote; two votes at once both count, and the second one skips", () => {
    const { directory, layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      yield* play(yield* as(dave), "first")
      yield* play(yield* as(dave), "second")
      yield* control.settings(yield* as(dave), { djRole, voteSkipRatio: 0.25 })
      directory.set(carol, { ...directory.get(carol)!, voiceChannelId: music })
      // Four listeners at a quarter: more than one vote, so two.
      const [a, b] = yield* Effect.all([control.skip(yield* as(bob), 1), control.skip(yield* as(carol), 1)], {
        concurrency: "unbounded"
      })
      const outcomes = [a._tag, b._tag].sort()
      assert.deepStrictEqual(outcomes, ["Skipped", "Voted"])
      const skipped = a._tag === "Skipped" ? a : b
      assert.isTrue(skipped._tag === "Skipped" && skipped.byVote)
      assert.strictEqual((yield* control.view(guild)).queue.current?.track.title, "second")
      // The requester of what plays skips without a vote.
      const own = yield* control.skip(yield* as(dave), 1)
      assert.isTrue(own._tag === "Skipped" && !own.byVote)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a member voting again is told so, and it is counted and audited once", () => {
    const { audit, directory, layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      yield* play(yield* as(dave), "first")
      yield* control.settings(yield* as(dave), { djRole, voteSkipRatio: 0.25 })
      directory.set(carol, { ...directory.get(carol)!, voiceChannelId: music })
      const first = yield* control.skip(yield* as(bob), 1)
      const again = yield* control.skip(yield* as(bob), 1)
      assert.deepStrictEqual(first._tag === "Voted" ? [first.votes, first.needed, first.repeated] : [], [1, 2, false])
      assert.deepStrictEqual(again._tag === "Voted" ? [again.votes, again.needed, again.repeated] : [], [1, 2, true])
      assert.lengthOf(audit.filter((e) => e.action === "skip-vote"), 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("/loop track, from Discord or the API, needs a track playing; the queue can loop before there is one", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      const owner = yield* as(dave)
      yield* play(owner, "only")
      const ended = yield* control.skip(owner, 1)
      assert.isTrue(ended._tag === "Skipped" && ended.now === null)
      // Still in the channel, with nothing to loop.
      assert.strictEqual(yield* control.voiceChannel(guild), music)
      const refused = yield* Effect.flip(control.setLoop(owner, "track"))
      assert.strictEqual(refused._tag === "PlayerError" ? refused.reason._tag : refused._tag, "NothingPlaying")
      assert.strictEqual((yield* control.setLoop(owner, "queue")).mode, "queue")
    }).pipe(Effect.provide(layer))
  })

  it.effect("toggles sent at once through the core are both applied", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const control = yield* Control
      const dj = yield* as(alice)
      yield* play(dj, "song")
      yield* Effect.all([control.toggleEffect(dj, "nightcore"), control.toggleEffect(dj, "bassboost")], {
        concurrency: "unbounded"
      })
      assert.sameMembers([...(yield* control.view(guild)).effects], ["nightcore", "bassboost"])
      yield* Effect.all([control.togglePause(dj), control.togglePause(dj), control.togglePause(dj)], {
        concurrency: "unbounded"
      })
      assert.isTrue((yield* control.view(guild)).paused)
      const loops = yield* Effect.all([control.cycleLoop(dj), control.cycleLoop(dj)], { concurrency: "unbounded" })
      assert.sameMembers(loops.map((r) => r.mode), ["track", "queue"])
      assert.strictEqual((yield* control.toggleEffect(dj, "off")).effects.length, 0)
    }).pipe(Effect.provide(layer))
  })
})
