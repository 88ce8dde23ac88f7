import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Random, Stream } from "effect"
import { SqlError } from "effect/sql"
import { TestClock } from "effect/testing"
import { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import { Track } from "../../schema/Track.ts"
import type { Actor } from "../../src/control/Actor.ts"
import { Control, type ControlError } from "../../src/control/Control.ts"
import { documentText, maxPlaylistFileBytes } from "../../src/control/PlaylistFile.ts"
import { type ImportRequest, Playlists } from "../../src/control/Playlists.ts"
import type { MemberInfo } from "../../src/gateway/GuildDirectory.ts"
import { PlaylistRepo } from "../../src/persistence/PlaylistRepo.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { NotFound, resolveError } from "../../src/resolve/ResolveError.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { makeFakeAudio } from "../player/support/FakeAudio.ts"
import { embeddedDatabase, tempDir } from "../support/database.ts"
import { fakeDirectory, memoryAudit, memorySettings } from "../support/guildFakes.ts"
import { refusedWith } from "../support/refusals.ts"

const music = ChannelId.make("400000000000000001")
const text = ChannelId.make("400000000000000009")
const djRole = RoleId.make("500000000000000001")
let tests = 0

/**
 * Each test has a guild and members of its own: the database is shared by the whole file, and a
 * member's own playlists are theirs in every guild. Alice is a DJ and Bob is not, both in the
 * music channel; Carol is in no channel; Dave manages the server.
 */
const people = () => {
  const n = String(++tests).padStart(2, "0")
  const [alice, bob, carol, dave] = ["1", "2", "3", "4"].map((k) => UserId.make(`2000000000000000${n}${k}`)) as [
    UserId,
    UserId,
    UserId,
    UserId
  ]
  return { guild: GuildId.make(`30000000000000000${n}`), users: { alice, bob, carol, dave } }
}

const members = ({ alice, bob, carol, dave }: ReturnType<typeof people>["users"]) =>
  new Map<string, MemberInfo>([
    [alice, { userId: alice, roleIds: [djRole], manager: false, voiceChannelId: music }],
    [bob, { userId: bob, roleIds: [], manager: false, voiceChannelId: music }],
    [carol, { userId: carol, roleIds: [], manager: false, voiceChannelId: null }],
    [dave, { userId: dave, roleIds: [], manager: true, voiceChannelId: music }]
  ])

const song = (name: string, requester: UserId) => {
  const location = `https://music.example/${name}-600000.flac`
  return new Track({
    id: `http:${location}`,
    kind: "http",
    location,
    title: name,
    author: "Band",
    durationMs: 600_000,
    artworkUrl: null,
    requester
  })
}

/** Every query is one song named after it; "nothing" finds nothing, "broken" fails, "pair" is an album of two. */
const fakeResolver = (asked: Array<string>) =>
  Layer.mock(Resolver, {
    resolve: (query, requester) =>
      Effect.suspend(() => {
        asked.push(query)
        if (query === "broken") return Effect.fail(resolveError("ytdlp", new NotFound({ message: "Gone." })))
        const tracks = query === "nothing" ? [] : query === "pair" ? [song("p1", requester), song("p2", requester)] : [
          song(query, requester)
        ]
        const playlist = query === "pair"
          ? { id: "pair", title: "The Pair", url: null, totalCount: 2, truncated: false }
          : null
        return Effect.succeed({ tracks, playlist })
      }),
    resolveStream: (query, requester) =>
      Stream.make({ tracks: [song(query, requester)], playlist: null, loaded: 1, expected: 1 })
  })

const setup = () => {
  const { guild, users } = people()
  const asked: Array<string> = []
  const fake = makeFakeAudio()
  const layer = Playlists.layer({ maxTracks: 5 }).pipe(
    Layer.provideMerge(Control.layer),
    Layer.provide([fakeResolver(asked), memorySettings(), fakeDirectory(members(users)), memoryAudit().layer]),
    Layer.provideMerge(PlayerRegistry.layer().pipe(Layer.provideMerge(fake.layer)))
  )
  const as = (userId: UserId) =>
    Effect.flatMap(Control, (control) => control.member("discord", guild, userId)).pipe(
      Effect.map((found) => Option.getOrThrow(found) satisfies Actor)
    )
  const play = (userId: UserId, ...queries: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const control = yield* Control
      const actor = yield* as(userId)
      for (const query of queries) yield* control.play(actor, { source: { _tag: "Query", query }, next: false, announceIn: text })
    })
  return { guild, users, asked, layer, as, play }
}

const titles = (tracks: ReadonlyArray<{ readonly title: string }>) => tracks.map((t) => t.title)

const upload = (content: string, extra: Partial<ImportRequest<never>> = {}): ImportRequest<never> => ({
  size: content.length,
  read: () => Effect.succeed(Option.some(content)),
  scope: "user",
  ...extra
})

const database = PlaylistRepo.layerSql.pipe(Layer.provideMerge(embeddedDatabase(tempDir("playlists-core"))))

layer(database, { timeout: "60 seconds", excludeTestServices: true })("saved playlists, without Discord", (it) => {
  it.effect("saves the queue current first, shows it, and loads it into the caller's channel", () => {
    const { guild, layer, as, play, users: { alice, bob, carol } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      const control = yield* Control
      yield* play(bob, "a", "b", "c")
      const saved = yield* playlists.save(yield* as(bob), "Road Trip", "user")
      assert.deepInclude(saved, { name: "Road Trip", trackCount: 3, durationMs: 1_800_000 })
      const again = yield* refusedWith(playlists.save(yield* as(bob), "road trip", "user"))
      assert.deepStrictEqual(again, {
        reason: "PlaylistExists",
        message: `You already have a playlist called "road trip"; pick another name.`
      })

      const listing = yield* playlists.list(yield* as(bob))
      assert.deepStrictEqual(listing.own?.map((p) => p.name), ["Road Trip"])
      assert.deepStrictEqual(listing.guild, [])
      assert.isNull((yield* playlists.list(yield* as(bob), "guild")).own)
      const page = yield* playlists.show(yield* as(bob), { _tag: "Named", name: "ROAD TRIP" }, 3)
      assert.deepInclude(page, { page: 1, pages: 1, offset: 0 })
      assert.deepStrictEqual(titles(page.tracks), ["a", "b", "c"])
      // Nobody else reaches Bob's own playlist, by name or by id.
      const byName = yield* refusedWith(playlists.show(yield* as(alice), { _tag: "Named", name: "Road Trip" }, 1))
      assert.strictEqual(byName.reason, "PlaylistNotFound")
      const byId = yield* refusedWith(playlists.show(yield* as(alice), { _tag: "Id", id: saved.id }, 1))
      assert.strictEqual(byId.message, "That playlist no longer exists.")

      yield* playlists.save(yield* as(bob), "Road Trip", "guild")
      yield* control.stop(yield* as(alice))
      const refused = yield* refusedWith(playlists.load(yield* as(carol), "road trip", { shuffle: false }))
      assert.strictEqual(refused.reason, "NotInVoice")
      const unknown = yield* refusedWith(playlists.load(yield* as(bob), "nope", { shuffle: false }))
      assert.strictEqual(unknown.reason, "PlaylistNotFound")

      const progress = yield* playlists.load(yield* as(bob), "road trip", { shuffle: false, announceIn: text })
      assert.deepInclude(progress, { startedAt: 0, added: 3, done: true })
      assert.strictEqual(progress.batch.playlist?.title, "Road Trip")
      const state = yield* control.view(guild)
      assert.strictEqual(state.queue.current?.track.title, "a")
      assert.deepStrictEqual(titles(state.queue.upcoming.map((e) => e.track)), ["b", "c"])
      assert.strictEqual(state.queue.current?.track.requester, bob)
      assert.strictEqual(yield* (yield* PlayerRegistry).channel(guild), music)
    }).pipe(Effect.provide(layer))
  })

  it.effect("loads shuffled: the same tracks in another order", () => {
    const { guild, layer, as, play, users: { alice, bob } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      const control = yield* Control
      yield* play(bob, "a", "b", "c", "d", "e")
      yield* playlists.save(yield* as(bob), "Five", "user")
      yield* control.stop(yield* as(alice))
      yield* playlists.load(yield* as(bob), "five", { shuffle: true }).pipe(Random.withSeed("reprise"))
      const { queue } = yield* control.view(guild)
      const order = titles([queue.current, ...queue.upcoming].flatMap((e) => (e === null ? [] : [e.track])))
      assert.sameMembers(order, ["a", "b", "c", "d", "e"])
      assert.notDeepEqual(order, ["a", "b", "c", "d", "e"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("adds what a query resolves to, removes by position, and refuses what would not fit whole", () => {
    const { layer, as, play, asked, users: { alice, bob, dave } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      yield* play(bob, "a")
      yield* playlists.save(yield* as(bob), "Mix", "user")
      const added = yield* playlists.add(yield* as(bob), "mix", "pair")
      assert.deepInclude(added, { position: 2 })
      assert.strictEqual(added.from?.title, "The Pair")
      assert.strictEqual(added.playlist.trackCount, 3)
      assert.strictEqual((yield* refusedWith(playlists.add(yield* as(bob), "mix", "nothing"))).reason, "NothingFound")
      assert.strictEqual((yield* refusedWith(playlists.add(yield* as(bob), "mix", "broken"))).reason, "ResolveError")
      yield* playlists.add(yield* as(bob), "mix", "d")
      yield* playlists.add(yield* as(bob), "mix", "e")
      const full = yield* refusedWith(playlists.add(yield* as(bob), "mix", "pair"))
      assert.deepStrictEqual(full, { reason: "PlaylistTooLong", message: "A playlist holds at most 5 tracks; this would make it 7." })
      const current = () =>
        Effect.flatMap(as(bob), (actor) =>
          Effect.map(playlists.show(actor, { _tag: "Named", name: "mix" }, 1), (p) => titles(p.tracks)))
      assert.deepStrictEqual(yield* current(), ["a", "p1", "p2", "d", "e"])

      const removed = yield* playlists.remove(yield* as(bob), "mix", 2)
      assert.deepInclude(removed, { position: 2 })
      assert.strictEqual(removed.track.title, "p1")
      assert.deepStrictEqual(yield* current(), ["a", "p2", "d", "e"])
      const past = yield* refusedWith(playlists.remove(yield* as(bob), "mix", 9))
      assert.strictEqual(past.message, `"Mix" has no track 9 (it has 4).`)
      // The guild's own limit, under MAX_PLAYLIST_SIZE, holds from the next change.
      yield* Effect.flatMap(Control, (control) => Effect.flatMap(as(dave), (d) => control.settings(d, { maxPlaylistSize: 4 })))
      const guildFull = yield* refusedWith(playlists.add(yield* as(bob), "mix", "f"))
      assert.strictEqual(guildFull.message, "A playlist holds at most 4 tracks; this would make it 5.")
      // A query is resolved only for someone who may change the playlist.
      const before = asked.length
      yield* refusedWith(playlists.add(yield* as(alice), "mix", "f"))
      assert.strictEqual(asked.length, before)
    }).pipe(Effect.provide(layer))
  })

  it.effect("guild playlists: anyone shows and loads them, DJs and managers change them; a name is one's own first", () => {
    const { layer, as, play, asked, users: { alice, bob, dave } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      const control = yield* Control
      yield* play(bob, "a", "b")
      // Without a DJ role everyone is a DJ: Bob may share.
      yield* playlists.save(yield* as(bob), "Warmup", "guild")
      yield* control.settings(yield* as(dave), { djRole })

      const notDj = "Only DJs and people who manage this server can change its shared playlists."
      const bobTries: ReadonlyArray<Effect.Effect<unknown, ControlError>> = [
        playlists.save(yield* as(bob), "Party", "guild"),
        playlists.rename(yield* as(bob), "warmup", "Mine"),
        playlists.delete(yield* as(bob), "warmup"),
        playlists.remove(yield* as(bob), "warmup", 1),
        playlists.add(yield* as(bob), "warmup", "c"),
        playlists.importFile(yield* as(bob), upload("{}", { scope: "guild" }))
      ]
      for (const attempt of bobTries) assert.deepStrictEqual(yield* refusedWith(attempt), { reason: "NotPlaylistEditor", message: notDj })
      assert.deepStrictEqual(asked, [], "nothing was resolved for a refused add")
      assert.deepStrictEqual(titles((yield* playlists.show(yield* as(bob), { _tag: "Named", name: "WARMUP" }, 1)).tracks), ["a", "b"])

      // Alice has the DJ role and Dave manages the server.
      yield* playlists.add(yield* as(alice), "warmup", "c")
      const renamed = yield* playlists.rename(yield* as(dave), "warmup", "Party Time")
      assert.deepStrictEqual([renamed.before.name, renamed.after.name], ["Warmup", "Party Time"])
      const taken = yield* refusedWith(playlists.save(yield* as(alice), "party time", "guild"))
      assert.strictEqual(taken.message, `This server already has a playlist called "party time"; pick another name.`)

      // Bob's own playlist of the same name is the one he gets, and the one autocomplete offers him.
      yield* playlists.save(yield* as(bob), "party time", "user")
      const trackCount = (userId: UserId) =>
        Effect.flatMap(as(userId), (actor) =>
          Effect.map(playlists.show(actor, { _tag: "Named", name: "Party Time" }, 1), (p) => p.playlist.trackCount))
      assert.strictEqual(yield* trackCount(bob), 2, "Bob's own: the queue he saved")
      assert.strictEqual(yield* trackCount(alice), 3, "the guild's: Alice added one")
      const bobs = yield* playlists.suggest(yield* as(bob), " PAR")
      assert.deepStrictEqual(bobs.map((p) => [p.name, p.owner._tag]), [["party time", "User"]])
      const alices = yield* playlists.suggest(yield* as(alice), "par")
      assert.deepStrictEqual(alices.map((p) => [p.name, p.owner._tag]), [["Party Time", "Guild"]])
      assert.deepStrictEqual(yield* playlists.suggest(yield* as(alice), "x"), [])

      yield* control.stop(yield* as(alice))
      const progress = yield* playlists.load(yield* as(bob), "party time", { shuffle: false })
      assert.strictEqual(progress.added, 2)
      const gone = yield* playlists.delete(yield* as(alice), "Party Time")
      assert.strictEqual(gone.owner._tag, "Guild")
      assert.deepStrictEqual((yield* playlists.list(yield* as(alice))).guild, [])
    }).pipe(Effect.provide(layer))
  })

  it.effect("exports a playlist and imports it back as the same tracks; a bad file is refused and nothing is written", () => {
    const { layer, as, play, users: { bob } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      yield* play(bob, "a", "b")
      yield* playlists.save(yield* as(bob), "Original", "user")
      const exported = yield* playlists.exportFile(yield* as(bob), "original")
      assert.deepInclude(exported.document, { format: "reprise.playlist", version: 1, name: "Original" })
      const file = documentText(exported.document)
      const copy = yield* playlists.importFile(yield* as(bob), upload(file, { name: "Copy" }))
      assert.deepInclude(copy, { name: "Copy", trackCount: 2 })
      const again = yield* playlists.exportFile(yield* as(bob), "copy")
      assert.deepStrictEqual(again.document.tracks, exported.document.tracks)
      const named = yield* refusedWith(playlists.importFile(yield* as(bob), upload(file)))
      assert.strictEqual(named.reason, "PlaylistExists", "the file's own name is taken")

      /** The exported file with one thing changed, as someone editing it by hand might. */
      const variant = (change: (doc: { [key: string]: unknown; tracks: Array<Record<string, unknown>> }) => void) => {
        const doc = { ...exported.document, name: "Broken", tracks: exported.document.tracks.map((t) => ({ ...t })) }
        change(doc)
        return JSON.stringify(doc)
      }
      const bad: ReadonlyArray<readonly [string, string]> = [
        ["not json", "I can't import that file: it isn't JSON. Nothing was saved."],
        [JSON.stringify([1]), "I can't import that file: it should be object. Nothing was saved."],
        [variant((d) => (d.version = 2)), `I can't import that file: "version" should be 1. Nothing was saved.`],
        [variant((d) => (d.format = "m3u")), `I can't import that file: "format" should be "reprise.playlist". Nothing was saved.`],
        [variant((d) => delete d.tracks[1]?.["title"]), `I can't import that file: track 2's "title" is missing. Nothing was saved.`],
        [
          variant((d) => (d.tracks[1] = { ...d.tracks[1], kind: "file", location: "/etc/passwd" })),
          `I can't import that file: track 2's "location" points at a file on the bot's own disk, which can't be imported. Nothing was saved.`
        ],
        [
          variant((d) => (d.tracks[0] = { ...d.tracks[0], kind: "youtube", location: "http://10.0.0.1/watch?v=dQw4w9WgXcQ" })),
          `I can't import that file: track 1's "location" should be a YouTube video link. Nothing was saved.`
        ],
        [
          variant((d) => (d.tracks = Array.from({ length: 6 }, () => ({ ...d.tracks[0] })))),
          `I can't import that file: "tracks" should be a list of at most 5 tracks. Nothing was saved.`
        ]
      ]
      for (const [content, message] of bad) {
        assert.deepStrictEqual(yield* refusedWith(playlists.importFile(yield* as(bob), upload(content))), {
          reason: "BadPlaylistFile",
          message
        })
      }
      // Too large: refused on the declared size without reading, or when the read overflows.
      let reads = 0
      const big = upload(file, {
        size: maxPlaylistFileBytes + 1,
        read: () => Effect.sync(() => (reads++, Option.some(file)))
      })
      assert.strictEqual((yield* refusedWith(playlists.importFile(yield* as(bob), big))).reason, "BadPlaylistFile")
      assert.strictEqual(reads, 0)
      const overflow = upload(file, { read: () => Effect.succeed(Option.none()) })
      assert.match((yield* refusedWith(playlists.importFile(yield* as(bob), overflow))).message, /larger than 1 MiB/)
      const names = (yield* playlists.list(yield* as(bob))).own?.map((p) => p.name)
      assert.deepStrictEqual(names, ["Copy", "Original"])
    }).pipe(Effect.provide(layer))
  })
})

/** The database as it is when it does not answer: every call fails, or (`hang`) never returns. */
const unreachable = (hang: boolean) => {
  const down = new SqlError.SqlError({
    reason: new SqlError.ConnectionError({ cause: new Error("connect ECONNREFUSED"), message: "connection refused" })
  })
  const fail = () => (hang ? Effect.never : Effect.fail(down))
  return Layer.succeed(
    PlaylistRepo,
    PlaylistRepo.of({
      list: fail,
      find: fail,
      byId: fail,
      search: fail,
      tracks: fail,
      create: fail,
      append: fail,
      removeAt: fail,
      rename: fail,
      delete: fail
    })
  )
}

describe("saved playlists while the database is unavailable", () => {
  const unavailable = { reason: "PlaylistsUnavailable", message: "Saved playlists are unavailable right now; try again in a moment." }

  it.effect("refuse kindly, autocomplete offers nothing, and playback goes on", () => {
    const { guild, layer, as, play, users: { bob } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      yield* play(bob, "a")
      const actor = yield* as(bob)
      assert.deepStrictEqual(yield* refusedWith(playlists.save(actor, "Mix", "user")), unavailable)
      assert.deepStrictEqual(yield* refusedWith(playlists.list(actor)), unavailable)
      assert.deepStrictEqual(yield* refusedWith(playlists.load(actor, "mix", { shuffle: false })), unavailable)
      assert.deepStrictEqual(yield* refusedWith(playlists.importFile(actor, upload("{}"))), {
        reason: "BadPlaylistFile",
        message: "I can't import that file: \"format\" is missing. Nothing was saved."
      })
      assert.deepStrictEqual(yield* playlists.suggest(actor, "m"), [])
      yield* play(bob, "b")
      assert.strictEqual((yield* (yield* Control).view(guild)).queue.upcoming.length, 1)
    }).pipe(Effect.provide(layer.pipe(Layer.provide(unreachable(false)))))
  })

  it.effect("answer within two seconds when the database hangs", () => {
    const { layer, as, users: { bob } } = setup()
    return Effect.gen(function*() {
      const playlists = yield* Playlists
      const fiber = yield* Effect.forkChild(refusedWith(playlists.list(yield* as(bob))))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), unavailable)
    }).pipe(Effect.provide(layer.pipe(Layer.provide(unreachable(true)))))
  })
})
