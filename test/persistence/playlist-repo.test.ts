import { assert } from "@effect/vitest"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { GuildId, UserId } from "../../schema/Ids.ts"
import {
  type PlaylistId,
  type PlaylistOwner,
  PlaylistRepo,
  type PlaylistSummary,
  type PlaylistTrack
} from "../../src/persistence/PlaylistRepo.ts"
import { onBothDatabases } from "../support/database.ts"

const alice = UserId.make("210000000000000001")
const bob = UserId.make("210000000000000002")
const guild = GuildId.make("310000000000000001")
const own: PlaylistOwner = { _tag: "User", userId: alice }
const shared: PlaylistOwner = { _tag: "Guild", guildId: guild }

const track = (n: number, extra: Partial<PlaylistTrack> = {}): PlaylistTrack => ({
  id: `http:https://music.example/${n}.ogg`,
  kind: "http",
  location: `https://music.example/${n}.ogg`,
  title: `Song ${n}`,
  author: n % 2 === 0 ? null : `Band ${n}`,
  durationMs: n % 3 === 0 ? null : n * 1000,
  artworkUrl: null,
  addedBy: alice,
  ...extra
})

const titles = (tracks: ReadonlyArray<PlaylistTrack>) => tracks.map((t) => t.title)

const created = (answer: { readonly _tag: string; readonly playlist?: PlaylistSummary }): PlaylistSummary => {
  if (answer._tag !== "Created" || answer.playlist === undefined) throw new Error(`expected Created, got ${answer._tag}`)
  return answer.playlist
}

/** The stored positions of a playlist, as the table has them. */
const positions = (id: PlaylistId) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly position: number }>`
      SELECT position FROM playlist_tracks WHERE playlist_id = ${id} ORDER BY position`
    return rows.map((r) => r.position)
  })

/** The same checks on every kind of database. */
const repoChecks = Effect.gen(function*() {
  const repo = yield* PlaylistRepo
  const sql = yield* SqlClient.SqlClient

  // Names are unique per owner whatever their case; a member and the guild may each have one.
  const mix = created(yield* repo.create(own, "Evening Mix", [track(1), track(2), track(3)]))
  assert.deepInclude(mix, { name: "Evening Mix", trackCount: 3, durationMs: 3000, owner: own })
  assert.strictEqual((yield* repo.create(own, "evening MIX", [track(9)]))._tag, "NameTaken")
  const guildMix = created(yield* repo.create(shared, "evening mix", []))
  assert.deepInclude(guildMix, { trackCount: 0, owner: shared })
  created(yield* repo.create({ _tag: "User", userId: bob }, "Evening Mix", [track(4)]))
  assert.deepStrictEqual(
    Option.map(yield* repo.find(own, "EVENING mix"), (p) => p.id),
    Option.some(mix.id)
  )
  assert.deepStrictEqual(Option.map(yield* repo.find(shared, "Evening Mix"), (p) => p.id), Option.some(guildMix.id))
  assert.isTrue(Option.isNone(yield* repo.find({ _tag: "User", userId: alice }, "nothing")))

  // Tracks come back in order with every field.
  assert.deepStrictEqual(yield* repo.tracks(mix.id), [track(1), track(2), track(3)])
  assert.deepStrictEqual(titles(yield* repo.tracks(mix.id, { offset: 1, limit: 1 })), ["Song 2"])

  // Appending continues the positions; past the limit nothing is written.
  const appended = yield* repo.append(mix.id, [track(4), track(5)], 5)
  assert.deepInclude(appended, { _tag: "Appended", from: 3 })
  assert.deepStrictEqual(yield* positions(mix.id), [0, 1, 2, 3, 4])
  assert.deepStrictEqual(yield* repo.append(mix.id, [track(6)], 5), { _tag: "TooLong", has: 5 })
  assert.strictEqual((yield* repo.tracks(mix.id)).length, 5)

  // Removing closes the gap; a position past the end removes nothing.
  assert.deepStrictEqual(yield* repo.removeAt(mix.id, 1), Option.some(track(2)))
  assert.deepStrictEqual(yield* positions(mix.id), [0, 1, 2, 3])
  assert.deepStrictEqual(titles(yield* repo.tracks(mix.id)), ["Song 1", "Song 3", "Song 4", "Song 5"])
  assert.isTrue(Option.isNone(yield* repo.removeAt(mix.id, 4)))
  assert.deepStrictEqual(yield* repo.removeAt(mix.id, 3), Option.some(track(5)))
  assert.deepStrictEqual(yield* positions(mix.id), [0, 1, 2])

  // Renaming: to another playlist's name is refused, a change of case is not.
  const other = created(yield* repo.create(own, "Morning", [track(7)]))
  assert.strictEqual((yield* repo.rename(other.id, "EVENING MIX"))._tag, "NameTaken")
  assert.strictEqual(created(yield* repo.rename(other.id, "MORNING")).name, "MORNING")

  // Listing and prefix search see only the owners asked for; LIKE's wildcards are plain characters.
  created(yield* repo.create(own, "100%_done", []))
  const names = (list: ReadonlyArray<PlaylistSummary>) => list.map((p) => p.name)
  assert.deepStrictEqual(names(yield* repo.list([own])), ["100%_done", "Evening Mix", "MORNING"])
  assert.deepStrictEqual(names(yield* repo.list([own, shared])), ["100%_done", "Evening Mix", "evening mix", "MORNING"])
  assert.deepStrictEqual(names(yield* repo.search([own, shared], "eve", 10)), ["Evening Mix", "evening mix"])
  assert.deepStrictEqual(names(yield* repo.search([own], "100%_", 10)), ["100%_done"])
  assert.deepStrictEqual(names(yield* repo.search([own], "1%", 10)), [])
  assert.deepStrictEqual(names(yield* repo.search([own, shared], "", 2)), ["100%_done", "Evening Mix"])

  // Deleting takes the tracks with it.
  assert.isTrue(yield* repo.delete(mix.id))
  assert.isFalse(yield* repo.delete(mix.id))
  assert.deepStrictEqual(yield* positions(mix.id), [])
  assert.deepStrictEqual(yield* repo.append(mix.id, [track(1)], 10), { _tag: "Missing" })
  assert.isTrue(Option.isNone(yield* repo.removeAt(mix.id, 0)))
  assert.strictEqual((yield* repo.rename(mix.id, "gone"))._tag, "Missing")

  // A write that fails part-way leaves nothing: the second batch of rows holds a character
  // PostgreSQL refuses in text, and neither the playlist nor its first 500 tracks remain.
  const many = Array.from({ length: 600 }, (_, i) => track(i, i === 550 ? { title: "bad\u0000title" } : {}))
  const failed = yield* Effect.flip(repo.create(own, "Half", many))
  assert.strictEqual(failed._tag, "SqlError")
  assert.isTrue(Option.isNone(yield* repo.find(own, "Half")))
  const orphans = yield* sql<{ readonly n: number }>`
    SELECT count(*)::int4 AS n FROM playlist_tracks WHERE playlist_id NOT IN (SELECT id FROM playlists)`
  assert.strictEqual(orphans[0]?.n, 0)
  const big = created(yield* repo.create(own, "Big", many.map((t, i) => (i === 550 ? track(i) : t))))
  assert.strictEqual(big.trackCount, 600)

  // Two appends at once both land, one after the other, with no position used twice.
  yield* Effect.all([repo.append(big.id, [track(1)], 1000), repo.append(big.id, [track(2)], 1000)], {
    concurrency: 2
  })
  assert.deepStrictEqual(yield* positions(big.id), Array.from({ length: 602 }, (_, i) => i))
})

onBothDatabases({
  subject: "PlaylistRepo",
  what: "playlist",
  title: "keeps names unique per owner, positions dense, and multi-row writes whole",
  layer: PlaylistRepo.layerSql,
  checks: repoChecks
})
