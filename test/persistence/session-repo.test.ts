import { assert } from "@effect/vitest"
import { Effect, Option, type Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { createHash } from "node:crypto"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { type NewSession, SessionRepo } from "../../src/persistence/SessionRepo.ts"
import { onBothDatabases } from "../support/database.ts"

const alice = UserId.make("210000000000000001")
const bob = UserId.make("210000000000000002")
const guilds = [GuildId.make("310000000000000001"), GuildId.make("310000000000000002")]

const hash = (id: string) => createHash("sha256").update(id).digest("hex")
const at = (hour: number) => new Date(Date.UTC(2026, 0, 1, hour))

const session = (id: string, userId: UserId, from: number, to: number): NewSession => ({
  idHash: hash(id),
  userId,
  username: userId === alice ? "alice" : "bob",
  avatar: userId === alice ? "a_1f2e" : null,
  guildIds: userId === alice ? guilds : [],
  at: at(from),
  expiresAt: at(to)
})

/** Why the database refused a write. */
const refusedFor = (error: SqlError.SqlError | Schema.SchemaError) => (error._tag === "SqlError" ? error.reason._tag : error._tag)

/** The same checks on every kind of database. */
const repoChecks = Effect.gen(function*() {
  const repo = yield* SessionRepo
  const sql = yield* SqlClient.SqlClient
  const count = Effect.map(sql<{ readonly n: number }>`SELECT count(*)::int4 AS n FROM sessions`, (rows) => rows[0]?.n)

  // Found by hash, as stored: who, their avatar, the guilds Discord listed, when it ends.
  yield* repo.create(session("alice-1", alice, 0, 10))
  const found = yield* repo.byHash(hash("alice-1"), at(1))
  assert.deepStrictEqual(Option.map(found, (s) => ({ ...s, expiresAt: s.expiresAt.getTime() })), Option.some({
    userId: alice,
    username: "alice",
    avatar: "a_1f2e",
    guildIds: guilds,
    expiresAt: at(10).getTime()
  }))
  assert.isTrue(Option.isNone(yield* repo.byHash(hash("nobody"), at(1))), "an unknown id finds nothing")

  // Until it expires, not a moment after; the row itself stays until the next login cleans up.
  assert.isTrue(Option.isSome(yield* repo.byHash(hash("alice-1"), new Date(at(10).getTime() - 1))))
  assert.isTrue(Option.isNone(yield* repo.byHash(hash("alice-1"), at(10))), "expired at its end")
  yield* repo.create(session("bob-1", bob, 2, 20))
  const bobs = yield* repo.byHash(hash("bob-1"), at(3))
  assert.deepStrictEqual(Option.map(bobs, (s) => [s.avatar, s.guildIds]), Option.some([null, []]))
  assert.strictEqual(yield* count, 2, "nothing had expired at bob's login")
  yield* repo.create(session("bob-2", bob, 11, 30))
  assert.strictEqual(yield* count, 2, "alice's expired session went at the next login")
  assert.isTrue(Option.isSome(yield* repo.byHash(hash("bob-1"), at(12))), "a user may have several sessions")

  // Ending one session leaves the others; ending it again finds nothing.
  assert.isTrue(yield* repo.remove(hash("bob-1")))
  assert.isFalse(yield* repo.remove(hash("bob-1")))
  assert.isTrue(Option.isNone(yield* repo.byHash(hash("bob-1"), at(12))))
  assert.isTrue(Option.isSome(yield* repo.byHash(hash("bob-2"), at(12))))

  // The table keeps hashes only: a raw id, or the same hash twice, is refused.
  assert.strictEqual(refusedFor(yield* Effect.flip(repo.create({ ...session("x", alice, 12, 20), idHash: "raw-id" }))), "ConstraintError")
  assert.strictEqual(refusedFor(yield* Effect.flip(repo.create(session("bob-2", alice, 12, 20)))), "UniqueViolation")
})

onBothDatabases({
  subject: "SessionRepo",
  what: "sessions",
  title: "finds live sessions by hash until they expire, cleans expired ones up at a login, and ends one at a time",
  layer: SessionRepo.layerSql,
  checks: repoChecks
})
