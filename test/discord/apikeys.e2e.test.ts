import { Effect, Layer, Option, Redacted } from "effect"
import { assert, describe, it } from "vitest"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { ApiKeys } from "../../src/control/ApiKeys.ts"
import { ApiKeyRepo } from "../../src/persistence/ApiKeyRepo.ts"
import { Writer } from "../../src/persistence/Writer.ts"
import { embeddedDatabase } from "../support/database.ts"
import { memoryAudit } from "../support/guildFakes.ts"
import { blockHarness, command, ids, isEphemeral, sleep, suggestions } from "./harness.ts"

const notManager = /Only people with the Manage Server permission can manage API keys\./

/**
 * API keys against one bot: Alice owns the server (Manage Server), Bob does not. The last test
 * stops the bot and opens its database, as the HTTP API will, to authenticate the keys it made.
 */
describe("Reprise against the fake Discord: API keys", () => {
  const h = blockHarness({ env: { DISCORD_GUILD_ID: ids.guild }, tones: {} })
  const keys: Record<string, string> = {}

  /** The key in the private reply to /apikey create, from its code block. */
  const create = async (name: string) => {
    const created = await command(h.fake, ids.alice, "apikey create", { name }, /API key/)
    assert.isTrue(isEphemeral(created.answer), "a new key is for its creator's eyes only")
    const key = /```\n(.*)\n```/.exec(created.text)?.[1] ?? ""
    assert.match(key, /^rpk_[A-Za-z0-9_-]{32,}$/)
    keys[name] = key
    return { ...created, key }
  }

  const suggested = (userId: string, typed: string) => suggestions(h.fake, userId, "apikey revoke", "name", typed)

  it("registers /apikey with create, list and revoke, shown to managers by default", () => {
    const registered = h.fake.commands(ids.guild).find((c) => c["name"] === "apikey")
    const subcommands = (registered?.["options"] as ReadonlyArray<{ readonly name: string }>).map((o) => o.name)
    assert.sameMembers(subcommands, ["create", "list", "revoke"])
    assert.strictEqual(registered?.["default_member_permissions"], "32")
  })

  it("creates keys shown once and privately, lists them, and refuses a member without Manage Server", async () => {
    const { fake } = h
    const ci = await create("CI")
    assert.match(ci.text, /Here is the new API key \*\*CI\*\*\. Copy it now: it will not be shown again\./)
    assert.match(ci.text, /`Authorization: Bearer rpk_…`/)
    const deploy = await create("deploy")
    assert.notStrictEqual(deploy.key, ci.key)

    const again = await command(fake, ids.alice, "apikey create", { name: "ci" })
    assert.isTrue(isEphemeral(again.answer))
    assert.match(again.text, /This server already has an API key called "ci"/)

    const list = await command(fake, ids.alice, "apikey list", {}, /API keys/)
    assert.isTrue(isEphemeral(list.answer))
    assert.match(list.text, new RegExp(`\\*\\*CI\\*\\* — made by <@${ids.alice}> <t:\\d+:R> · never used`))
    assert.match(list.text, /\*\*deploy\*\*/)
    assert.notInclude(list.text, ci.key.slice(4), "a key is never shown again")

    for (const [name, options] of [["apikey list", {}], ["apikey create", { name: "mine" }], ["apikey revoke", { name: "CI" }]] as const) {
      const refused = await command(fake, ids.bob, name, options)
      assert.isTrue(isEphemeral(refused.answer), name)
      assert.match(refused.text, notManager, name)
    }
    assert.deepStrictEqual(await suggested(ids.bob, ""), [], "a non-manager is not told the names")
    assert.deepStrictEqual(await suggested(ids.alice, "c"), ["CI"])
  }, 60_000)

  it("revokes a key by name, audited by its name alone; the key never reaches the logs", async () => {
    const { fake } = h
    const revoked = await command(fake, ids.alice, "apikey revoke", { name: "ci" }, /Revoked/)
    assert.isTrue(isEphemeral(revoked.answer))
    assert.match(revoked.text, /Revoked the API key \*\*CI\*\*: requests with it are refused from now on\./)
    const list = await command(fake, ids.alice, "apikey list", {}, /API keys/)
    assert.notMatch(list.text, /\*\*CI\*\*/)
    assert.match(list.text, /\*\*deploy\*\*/)
    const gone = await command(fake, ids.alice, "apikey revoke", { name: "CI" })
    assert.match(gone.text, /This server has no API key called "CI"/)

    // The audit rows go through the background writer: they land shortly after.
    const auditText = async () => (await command(fake, ids.alice, "audit", { action: "apikey-revoked" }, /Audit log/)).text
    let audit = await auditText()
    for (let i = 0; i < 20 && !/apikey-revoked/.test(audit); i++) {
      await sleep(250)
      audit = await auditText()
    }
    assert.match(audit, new RegExp(`<@${ids.alice}> \\*\\*apikey-revoked\\*\\* — name CI`))
    for (const key of Object.values(keys)) assert.notInclude(h.bot.output(), key.slice(4))
  }, 60_000)

  it("leaves in the bot's database the revoked key as no key and the live one as its creator's", async () => {
    await h.bot.stop()
    const [ci, deploy] = await Effect.runPromise(
      Effect.gen(function*() {
        const apiKeys = yield* ApiKeys
        return [
          yield* apiKeys.authenticate(Redacted.make(keys["CI"] ?? "")),
          yield* apiKeys.authenticate(Redacted.make(keys["deploy"] ?? ""))
        ] as const
      }).pipe(
        Effect.provide(ApiKeys.layer.pipe(
          Layer.provide(Layer.mergeAll(ApiKeyRepo.layerSql, Writer.layer(), memoryAudit().layer)),
          Layer.provide(embeddedDatabase(h.dataDir))
        ))
      )
    )
    assert.isTrue(Option.isNone(ci), "revoked")
    assert.deepStrictEqual(deploy, Option.some({ guildId: GuildId.make(ids.guild), userId: UserId.make(ids.alice), keyName: "deploy" }))
  }, 60_000)
})
