/**
 * API keys for the HTTP API, as use-cases: a guild's managers create, list and revoke them (from
 * Discord), and the HTTP edge authenticates each request's `Authorization: Bearer <key>` here.
 * A key acts in its guild alone, as the `Key` actor (DJ rights, never an auditor's or a key
 * manager's).
 *
 * A key is `rpk_` and 43 URL-safe characters (32 random bytes), shown once, when it is created;
 * the database keeps only its SHA-256. Every authentication looks the hash up in the database, so
 * a revoked key is refused from the next request on: there is no cache that could outlive a revoke.
 * When a key was last used is handed to the background writer, so a request never waits for that
 * write. These use-cases do wait for the database (no player waits on them), within a time box: a
 * database that does not answer is the refusal `ApiKeysUnavailable`.
 */
import { Cache, Clock, Context, Duration, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { ApiKeyName } from "../../schema/ApiKey.ts"
import type { GuildId, UserId } from "../../schema/Ids.ts"
import { ApiKeyRepo, type StoredKey } from "../persistence/ApiKeyRepo.ts"
import { Writer } from "../persistence/Writer.ts"
import type { Actor } from "./Actor.ts"
import { AuditTrail } from "./AuditTrail.ts"
import {
  ApiKeyExists,
  ApiKeyNotFound,
  ApiKeysUnavailable,
  BadApiKeyName,
  NotKeyManager,
  type Refusal,
  refusal
} from "./Refusal.ts"
import * as Stored from "./Stored.ts"

export interface KeyInfo {
  readonly name: string
  readonly createdBy: UserId
  readonly createdAt: Date
  readonly lastUsedAt: Date | null
}

export interface CreatedKey extends KeyInfo {
  /** The key itself, this once: only its hash is kept. */
  readonly key: Redacted.Redacted<string>
}

/** Who a valid key speaks for: its guild, the member who created it (what it queues is theirs), its name. */
export interface KeyHolder {
  readonly guildId: GuildId
  readonly userId: UserId
  readonly keyName: string
}

const keyPrefix = "rpk_"

/** What `newKey` makes; anything else is no key of ours, and is refused without asking the database. */
const keyShape = /^rpk_[A-Za-z0-9_-]{43}$/

/** From the operating system's generator: Effect's `Random` is seedable, which a secret must not be. */
const newKey = Effect.sync(() => Redacted.make(`${keyPrefix}${randomBytes(32).toString("base64url")}`))

/** A plain hash is enough: the key's 256 random bits leave nothing to guess, so no salt or stretching is needed. */
const hashOf = (key: string) => createHash("sha256").update(key, "utf8").digest("hex")

/** A read or write of keys, within Discord's three seconds and an HTTP client's patience. */
const stored = Stored.stored({ warning: "API keys are unavailable", unavailable: new ApiKeysUnavailable(), timeout: "2 seconds" })

const infoOf = (key: StoredKey): KeyInfo => ({
  name: key.name,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
  lastUsedAt: key.lastUsedAt
})

/** A key acts in the whole guild, so only a member who manages it may make, see or revoke keys; a key may not. */
const mayManage = (actor: Actor): Effect.Effect<void, Refusal> =>
  Effect.annotateCurrentSpan({ "guild.id": actor.guildId, "user.id": actor.userId }).pipe(
    Effect.andThen(actor._tag === "Member" && actor.manager ? Effect.void : refusal(new NotKeyManager()))
  )

const isName = Schema.is(ApiKeyName)

export class ApiKeys extends Context.Service<ApiKeys, {
  readonly create: (actor: Actor, name: string) => Effect.Effect<CreatedKey, Refusal>
  readonly list: (actor: Actor) => Effect.Effect<ReadonlyArray<KeyInfo>, Refusal>
  readonly revoke: (actor: Actor, name: string) => Effect.Effect<KeyInfo, Refusal>
  /**
   * The key's holder; None for a malformed, unknown or revoked key. Fails only when the store does
   * not answer (a Refusal with ApiKeysUnavailable).
   */
  readonly authenticate: (token: Redacted.Redacted<string>) => Effect.Effect<Option.Option<KeyHolder>, Refusal>
}>()("reprise/control/ApiKeys") {
  static readonly layer = Layer.effect(
    ApiKeys,
    Effect.gen(function*() {
      const repo = yield* ApiKeyRepo
      const audit = yield* AuditTrail
      const writer = yield* Writer
      const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
      // Every API request authenticates: the live keys found are kept for a minute, so a script's
      // requests do not each wait on the database (nor fail while it is away). A revoke empties the
      // cache at once; unknown keys and failed lookups are not kept.
      const live = yield* Cache.makeWith((hash: string) => stored(repo.byHash(hash)), {
        capacity: 10_000,
        timeToLive: (exit) => Exit.isSuccess(exit) && Option.isSome(exit.value) ? Duration.minutes(1) : Duration.zero
      })
      // A key's last use, written at most once a minute: it says "recently", not every request.
      const lastMarked = new Map<string, number>()

      const create = Effect.fn("ApiKeys.create")(function*(actor: Actor, name: string) {
        yield* mayManage(actor)
        if (!isName(name)) return yield* refusal(new BadApiKeyName())
        const key = yield* newKey
        const created = yield* stored(repo.create({
          guildId: actor.guildId,
          name,
          keyHash: hashOf(Redacted.value(key)),
          createdBy: actor.userId,
          at: yield* now
        }))
        if (created._tag === "NameTaken") return yield* refusal(new ApiKeyExists({ name }))
        yield* audit.record(actor, "apikey-created", { name: created.key.name })
        return { ...infoOf(created.key), key } satisfies CreatedKey
      })

      const list = Effect.fn("ApiKeys.list")(function*(actor: Actor) {
        yield* mayManage(actor)
        return (yield* stored(repo.list(actor.guildId))).map(infoOf)
      })

      const revoke = Effect.fn("ApiKeys.revoke")(function*(actor: Actor, name: string) {
        yield* mayManage(actor)
        const revoked = yield* stored(repo.revoke(actor.guildId, name, yield* now))
        if (Option.isNone(revoked)) return yield* refusal(new ApiKeyNotFound({ name }))
        yield* Cache.invalidateAll(live)
        yield* audit.record(actor, "apikey-revoked", { name: revoked.value.name })
        return infoOf(revoked.value)
      })

      const authenticate = Effect.fn("ApiKeys.authenticate")(function*(token: Redacted.Redacted<string>) {
        const key = Redacted.value(token)
        if (!keyShape.test(key)) return Option.none<KeyHolder>()
        const found = yield* Cache.get(live, hashOf(key))
        if (Option.isNone(found)) return Option.none<KeyHolder>()
        const { id, guildId, createdBy, name } = found.value
        yield* Effect.annotateCurrentSpan({ "guild.id": guildId, "key.name": name })
        const at = yield* now
        if (at.getTime() - (lastMarked.get(id) ?? 0) >= 60_000) {
          lastMarked.set(id, at.getTime())
          yield* writer.submit(repo.markUsed(id, at))
        }
        return Option.some<KeyHolder>({ guildId, userId: createdBy, keyName: name })
      })

      return ApiKeys.of({ create, list, revoke, authenticate })
    })
  )
}
