import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Redacted } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { TestClock } from "effect/testing"
import { createHash } from "node:crypto"
import { GuildId, UserId } from "../../schema/Ids.ts"
import type { Actor } from "../../src/control/Actor.ts"
import { ApiKeys } from "../../src/control/ApiKeys.ts"
import { ApiKeyId, ApiKeyRepo, type StoredKey } from "../../src/persistence/ApiKeyRepo.ts"
import { Writer } from "../../src/persistence/Writer.ts"
import { embeddedDatabase, tempDir } from "../support/database.ts"
import { memoryAudit } from "../support/guildFakes.ts"
import { refusedWith } from "../support/refusals.ts"

let tests = 0

/** Each test has a guild and people of its own: the database is shared by the whole file. Dave manages the server, Bob does not. */
const people = () => {
  const n = String(++tests).padStart(2, "0")
  const guild = GuildId.make(`30000000000000000${n}`)
  const dave = UserId.make(`2000000000000000${n}4`)
  const bob = UserId.make(`2000000000000000${n}2`)
  const member = (userId: UserId, manager: boolean, guildId = guild): Actor => ({
    _tag: "Member",
    origin: "discord",
    guildId,
    userId,
    roleIds: [],
    manager,
    voiceChannelId: null
  })
  const key: Actor = { _tag: "Key", origin: "http", guildId: guild, userId: dave, keyName: "CI", voiceChannelId: null }
  return { guild, dave, bob, manager: member(dave, true), member, key }
}

const keyShape = /^rpk_[A-Za-z0-9_-]{43}$/
const sha256 = (key: string) => createHash("sha256").update(key).digest("hex")
const token = (key: string) => Redacted.make(key)

const notManager = {
  reason: "NotKeyManager",
  message: "Only people with the Manage Server permission can manage API keys."
}

const audit = memoryAudit()
const services = ApiKeys.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(ApiKeyRepo.layerSql, Writer.layer(), audit.layer)),
  Layer.provideMerge(embeddedDatabase(tempDir("apikeys-core")))
)

/** What the audit log was told of these people, in order. */
const audited = (...users: ReadonlyArray<UserId>) =>
  audit.recorded.filter((entry) => users.some((u) => u === entry.userId)).map((e) => [e.action, e.detail])

layer(services, { timeout: "60 seconds", excludeTestServices: true })("API keys, without Discord", (it) => {
  it.effect("a manager's new key is shown once, kept only as its hash, and authenticates as its creator", () => {
    const { guild, dave, manager } = people()
    return Effect.gen(function*() {
      const keys = yield* ApiKeys
      const sql = yield* SqlClient.SqlClient
      const created = yield* keys.create(manager, "CI")
      const key = Redacted.value(created.key)
      assert.match(key, keyShape)
      assert.deepInclude(created, { name: "CI", createdBy: dave, lastUsedAt: null })
      // Logged or serialised by mistake, it still does not show.
      assert.notInclude(`${String(created.key)} ${JSON.stringify(created)}`, key.slice(4))
      assert.notStrictEqual(Redacted.value((yield* keys.create(manager, "Other")).key), key, "every key is new")

      const [row] = yield* sql<{ readonly key_hash: string; readonly whole: string }>`
        SELECT key_hash, row_to_json(k)::text AS whole FROM api_keys k WHERE guild_id = ${guild} AND name = 'CI'`
      assert.strictEqual(row?.key_hash, sha256(key))
      assert.notInclude(row?.whole ?? key, key.slice(4), "the key itself is nowhere in its row")

      assert.deepStrictEqual(yield* keys.authenticate(created.key), Option.some({ guildId: guild, userId: dave, keyName: "CI" }))
      // The use is recorded in the background; the list shows it once written.
      yield* (yield* Writer).flush
      const [listed] = (yield* keys.list(manager)).filter((k) => k.name === "CI")
      assert.isNotNull(listed?.lastUsedAt ?? null)
      assert.deepStrictEqual(audited(dave), [["apikey-created", { name: "CI" }], ["apikey-created", { name: "Other" }]])
    })
  })

  it.effect("a malformed or unknown key holds nothing, without a hint of why", () => {
    const { manager } = people()
    return Effect.gen(function*() {
      const keys = yield* ApiKeys
      const key = Redacted.value((yield* keys.create(manager, "CI")).key)
      const flipped = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`
      for (const wrong of ["", "rpk_", "rpk_short", `Bearer ${key}`, `${key} `, key.toUpperCase(), flipped]) {
        assert.isTrue(Option.isNone(yield* keys.authenticate(token(wrong))), `"${wrong}" is no key`)
      }
      assert.isTrue(Option.isSome(yield* keys.authenticate(token(key))))
    })
  })

  it.effect("names are unique per guild whatever their case; a revoked key is refused at once and frees its name", () => {
    const { dave, manager, member } = people()
    return Effect.gen(function*() {
      const keys = yield* ApiKeys
      const first = yield* keys.create(manager, "Deploy")
      assert.deepStrictEqual(yield* refusedWith(keys.create(manager, "deploy")), {
        reason: "ApiKeyExists",
        message: `This server already has an API key called "deploy"; pick another name, or revoke that key first.`
      })
      const badName = { reason: "BadApiKeyName", message: "An API key's name is 1 to 32 characters, without spaces at either end." }
      for (const name of ["", " deploy2", "n".repeat(33)]) {
        assert.deepStrictEqual(yield* refusedWith(keys.create(manager, name)), badName, `"${name}"`)
      }
      assert.strictEqual((yield* keys.create(manager, "n".repeat(32))).name.length, 32)
      // Another guild's manager has a namespace, and a list, of their own.
      const elsewhere = member(dave, true, GuildId.make("399999999999999999"))
      yield* keys.create(elsewhere, "deploy")
      assert.deepStrictEqual((yield* keys.list(manager)).map((k) => k.name), ["Deploy", "n".repeat(32)])

      const revoked = yield* keys.revoke(manager, "DEPLOY")
      assert.deepInclude(revoked, { name: "Deploy", createdBy: dave })
      assert.isTrue(Option.isNone(yield* keys.authenticate(first.key)), "refused from the next request on")
      assert.deepStrictEqual(yield* refusedWith(keys.revoke(manager, "deploy")), {
        reason: "ApiKeyNotFound",
        message: "This server has no API key called \"deploy\"; `/apikey list` shows its keys."
      })
      assert.deepStrictEqual((yield* keys.list(manager)).map((k) => k.name), ["n".repeat(32)])

      const second = yield* keys.create(manager, "deploy")
      assert.deepStrictEqual(Option.map(yield* keys.authenticate(second.key), (h) => h.keyName), Option.some("deploy"))
      assert.isTrue(Option.isNone(yield* keys.authenticate(first.key)))
      assert.deepStrictEqual(audited(dave).filter(([, detail]) => JSON.stringify(detail).includes("eploy")), [
        ["apikey-created", { name: "Deploy" }],
        ["apikey-created", { name: "deploy" }],
        ["apikey-revoked", { name: "Deploy" }],
        ["apikey-created", { name: "deploy" }]
      ])
    })
  })

  it.effect("only a member who manages the server may create, list or revoke keys; a key may not", () => {
    const { dave, bob, manager, member, key } = people()
    return Effect.gen(function*() {
      const keys = yield* ApiKeys
      yield* keys.create(manager, "CI")
      for (const actor of [member(bob, false), key]) {
        assert.deepStrictEqual(yield* refusedWith(keys.create(actor, "Mine")), notManager)
        assert.deepStrictEqual(yield* refusedWith(keys.list(actor)), notManager)
        assert.deepStrictEqual(yield* refusedWith(keys.revoke(actor, "CI")), notManager)
      }
      assert.deepStrictEqual((yield* keys.list(manager)).map((k) => k.name), ["CI"], "nothing made, nothing revoked")
      assert.deepStrictEqual(audited(dave, bob), [["apikey-created", { name: "CI" }]])
    })
  })
})

const gone = new SqlError.SqlError({ reason: new SqlError.ConnectionError({ cause: new Error("connection refused") }) })

/** A database that fails at once, or never answers. */
const unreachable = (hang: boolean) => {
  const fail = () => (hang ? Effect.never : Effect.fail(gone))
  return ApiKeys.layer.pipe(
    Layer.provide(Layer.mergeAll(
      Layer.succeed(ApiKeyRepo, ApiKeyRepo.of({
        create: fail,
        list: fail,
        revoke: fail,
        byHash: fail,
        markUsed: () => ({ kind: "key-use", statement: Effect.void })
      })),
      Layer.mock(Writer, {}),
      memoryAudit().layer
    ))
  )
}

describe("API keys while the database is unavailable", () => {
  const unavailable = { reason: "ApiKeysUnavailable", message: "API keys are unavailable right now; try again in a moment." }
  const { manager } = people()
  const wellFormed = token(`rpk_${"a".repeat(43)}`)

  it.effect("refuse kindly; a malformed key is still no key", () =>
    Effect.gen(function*() {
      const keys = yield* ApiKeys
      assert.deepStrictEqual(yield* refusedWith(keys.create(manager, "CI")), unavailable)
      assert.deepStrictEqual(yield* refusedWith(keys.list(manager)), unavailable)
      assert.deepStrictEqual(yield* refusedWith(keys.revoke(manager, "CI")), unavailable)
      assert.deepStrictEqual(yield* refusedWith(keys.authenticate(wellFormed)), unavailable)
      assert.isTrue(Option.isNone(yield* keys.authenticate(token("not-a-key"))))
    }).pipe(Effect.provide(unreachable(false))))

  it.effect("answer within two seconds when the database hangs", () =>
    Effect.gen(function*() {
      const keys = yield* ApiKeys
      const asked = yield* Effect.forkChild(Effect.all([
        refusedWith(keys.create(manager, "CI")),
        refusedWith(keys.list(manager)),
        refusedWith(keys.revoke(manager, "CI")),
        refusedWith(keys.authenticate(wellFormed))
      ], { concurrency: "unbounded" }))
      yield* TestClock.adjust("1999 millis")
      assert.isUndefined(asked.pollUnsafe(), "still waiting just before the time box")
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.join(asked), [unavailable, unavailable, unavailable, unavailable])
    }).pipe(Effect.provide(unreachable(true))))
})

describe("API keys found once", () => {
  const { manager } = people()
  const key = `rpk_${"b".repeat(43)}`

  it.effect("keep authenticating for a minute while the database is away, then are asked for again", () =>
    Effect.gen(function*() {
      let up = true
      let lookups = 0
      const stored: StoredKey = {
        id: ApiKeyId.make("1"),
        guildId: manager.guildId,
        name: "CI",
        createdBy: manager.userId,
        createdAt: new Date(0),
        lastUsedAt: null
      }
      const keys = yield* ApiKeys.pipe(Effect.provide(ApiKeys.layer.pipe(
        Layer.provide(Layer.mergeAll(
          Layer.mock(ApiKeyRepo, {
            byHash: (hash) =>
              Effect.suspend(() => {
                lookups++
                if (!up) return Effect.fail(gone)
                return Effect.succeed(hash === createHash("sha256").update(key).digest("hex") ? Option.some(stored) : Option.none())
              }),
            markUsed: () => ({ kind: "key-use", statement: Effect.void })
          }),
          Layer.mock(Writer, { submit: () => Effect.void }),
          memoryAudit().layer
        ))
      )))
      const holder = { guildId: manager.guildId, userId: manager.userId, keyName: "CI" }
      assert.deepStrictEqual(yield* keys.authenticate(token(key)), Option.some(holder))
      up = false
      assert.deepStrictEqual(yield* keys.authenticate(token(key)), Option.some(holder), "kept while the database is away")
      assert.strictEqual(lookups, 1)
      // An unknown key is asked for every time: nothing is kept of it.
      up = true
      yield* keys.authenticate(token(`rpk_${"c".repeat(43)}`))
      yield* keys.authenticate(token(`rpk_${"c".repeat(43)}`))
      assert.strictEqual(lookups, 3)
      up = false
      yield* TestClock.adjust("61 seconds")
      assert.deepStrictEqual(yield* refusedWith(keys.authenticate(token(key))), {
        reason: "ApiKeysUnavailable",
        message: "API keys are unavailable right now; try again in a moment."
      })
    }))
})

