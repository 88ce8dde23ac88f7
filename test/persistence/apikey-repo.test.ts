import { assert } from "@effect/vitest"
import { Effect, Option, type Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { createHash } from "node:crypto"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { ApiKeyRepo, type Created, type StoredKey } from "../../src/persistence/ApiKeyRepo.ts"
import { onBothDatabases } from "../support/database.ts"

const alice = UserId.make("210000000000000001")
const bob = UserId.make("210000000000000002")
const guild = GuildId.make("310000000000000001")
const other = GuildId.make("310000000000000002")

const hash = (key: string) => createHash("sha256").update(key).digest("hex")
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute))

const created = (answer: Created): StoredKey => {
  if (answer._tag !== "Created") throw new Error(`expected Created, got ${answer._tag}`)
  return answer.key
}

/** Why the database refused a write. */
const refusedFor = (error: SqlError.SqlError | Schema.SchemaError) => (error._tag === "SqlError" ? error.reason._tag : error._tag)

const names = (keys: ReadonlyArray<StoredKey>) => keys.map((k) => k.name)

/** The same checks on every kind of database. */
const repoChecks = Effect.gen(function*() {
  const repo = yield* ApiKeyRepo
  const sql = yield* SqlClient.SqlClient
  const key = (guildId: GuildId, name: string, secret: string, minute = 0) =>
    repo.create({ guildId, name, keyHash: hash(secret), createdBy: alice, at: at(minute) })

  // A new key comes back as stored, never used; its name is taken in its guild whatever the case.
  const ci = created(yield* key(guild, "CI", "rpk_ci"))
  assert.deepInclude(ci, { guildId: guild, name: "CI", createdBy: alice, lastUsedAt: null })
  assert.strictEqual(ci.createdAt.getTime(), at(0).getTime())
  assert.deepStrictEqual(yield* key(guild, "ci", "rpk_ci2"), { _tag: "NameTaken" })
  const elsewhere = created(yield* key(other, "ci", "rpk_other"))

  // Listing: the guild's own keys, by name whatever the case.
  created(yield* repo.create({ guildId: guild, name: "deploy", keyHash: hash("rpk_deploy"), createdBy: bob, at: at(1) }))
  created(yield* key(guild, "Backup", "rpk_backup"))
  assert.deepStrictEqual(names(yield* repo.list(guild)), ["Backup", "CI", "deploy"])
  assert.deepStrictEqual(names(yield* repo.list(other)), ["ci"])

  // Found by hash alone; an unknown hash finds nothing.
  assert.deepStrictEqual(yield* repo.byHash(hash("rpk_ci")), Option.some(ci))
  assert.deepStrictEqual(Option.map(yield* repo.byHash(hash("rpk_other")), (k) => k.id), Option.some(elsewhere.id))
  assert.isTrue(Option.isNone(yield* repo.byHash(hash("rpk_nobody"))))

  // Last use only moves forward: a late or replayed write leaves the latest time.
  yield* repo.markUsed(ci.id, at(5)).statement
  yield* repo.markUsed(ci.id, at(3)).statement
  yield* repo.markUsed(ci.id, at(5)).statement
  const used = yield* repo.byHash(hash("rpk_ci"))
  assert.strictEqual(Option.getOrThrow(used).lastUsedAt?.getTime(), at(5).getTime())
  assert.deepInclude(repo.markUsed(ci.id, at(6)), { kind: "key-use", key: `key-use:${ci.id}` })

  // Revoking: by name in any case, in its guild only; the key is then unknown to a lookup.
  assert.isTrue(Option.isNone(yield* repo.revoke(other, "deploy", at(7))))
  const revoked = yield* repo.revoke(guild, "cI", at(7))
  assert.deepStrictEqual(Option.map(revoked, (k) => k.id), Option.some(ci.id))
  assert.isTrue(Option.isNone(yield* repo.byHash(hash("rpk_ci"))))
  assert.isTrue(Option.isNone(yield* repo.revoke(guild, "CI", at(8))), "a key is revoked once")
  assert.deepStrictEqual(names(yield* repo.list(guild)), ["Backup", "deploy"])
  assert.deepStrictEqual(names(yield* repo.list(other)), ["ci"], "the other guild's key of that name is untouched")
  assert.isTrue(Option.isSome(yield* repo.byHash(hash("rpk_other"))))

  // The name is free again; the revoked row stays, with when it was revoked.
  const again = created(yield* key(guild, "ci", "rpk_ci3", 9))
  assert.notStrictEqual(again.id, ci.id)
  assert.deepStrictEqual(Option.map(yield* repo.byHash(hash("rpk_ci3")), (k) => k.name), Option.some("ci"))
  assert.isTrue(Option.isNone(yield* repo.byHash(hash("rpk_ci"))))
  const rows = yield* sql<{ readonly name: string; readonly revoked: boolean }>`
    SELECT name, revoked_at IS NOT NULL AS revoked FROM api_keys WHERE guild_id = ${guild} AND lower(name) = 'ci'
    ORDER BY id`
  assert.deepStrictEqual(rows.map((r) => [r.name, r.revoked]), [["CI", true], ["ci", false]])

  // No two keys share a hash, even across guilds; the table takes neither a bad hash nor a long name.
  assert.strictEqual(refusedFor(yield* Effect.flip(key(other, "copy", "rpk_backup"))), "UniqueViolation")
  const badHash = repo.create({ guildId: guild, name: "x", keyHash: "rpk_plain", createdBy: alice, at: at(0) })
  assert.strictEqual(refusedFor(yield* Effect.flip(badHash)), "ConstraintError")
  assert.strictEqual(refusedFor(yield* Effect.flip(key(guild, "n".repeat(33), "rpk_long"))), "ConstraintError")
  assert.deepStrictEqual(names(yield* repo.list(guild)), ["Backup", "ci", "deploy"])
})

onBothDatabases({
  subject: "ApiKeyRepo",
  what: "API key",
  title: "keeps live names unique per guild, finds live keys by hash, and frees a revoked key's name",
  layer: ApiKeyRepo.layerSql,
  checks: repoChecks
})
