import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Logger, Option, Schedule } from "effect"
import { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import * as AppConfig from "../../src/AppConfig.ts"
import { DiscordGateway } from "../../src/gateway/DiscordGateway.ts"
import { GuildDirectory } from "../../src/gateway/GuildDirectory.ts"
import { Readiness } from "../../src/observability/Readiness.ts"
import { FakeDiscord } from "../fake-discord/FakeDiscord.ts"
import { defaultScenario } from "../fake-discord/Scenario.ts"

const { scenario, ids } = defaultScenario()
const guild = GuildId.make(ids.guild)

/** The gateway connection and the directory over it, against the fake Discord, in this process. */
const directoryOnFake = Effect.gen(function*() {
  const fake = new FakeDiscord({ scenario })
  const endpoints = yield* Effect.acquireRelease(Effect.promise(() => fake.start()), () => Effect.promise(() => fake.stop()))
  const config = yield* AppConfig.decodeConfig({ ...endpoints.env, DATA_DIR: "/nonexistent" }, false)
  const services = yield* Layer.build(
    GuildDirectory.layer.pipe(
      Layer.provideMerge(DiscordGateway.layerConfig),
      Layer.provide([Readiness.layer, AppConfig.layer(config), Logger.layer([])])
    )
  )
  const gateway = Context.get(services, DiscordGateway)
  yield* gateway.status.pipe(
    Effect.flatMap((status) => status === "ready" ? Effect.void : Effect.fail(status)),
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo({ duration: "15 seconds" })))
  )
  return { fake, directory: Context.get(services, GuildDirectory) }
})

describe("GuildDirectory", () => {
  it.live("knows a member's roles and voice channel, and who is in a channel, from the gateway alone", () =>
    Effect.gen(function*() {
      const { directory, fake } = yield* directoryOnFake
      const alice = Option.getOrThrow(yield* directory.member(guild, UserId.make(ids.alice)))
      // discord.js counts @everyone (the guild's own id) among every member's roles.
      assert.sameMembers([...alice.roleIds], [RoleId.make(ids.dj), RoleId.make(ids.guild)])
      assert.isTrue(alice.manager, "the owner manages the server")
      assert.strictEqual(alice.voiceChannelId, ChannelId.make(ids.music))
      const carol = Option.getOrThrow(yield* directory.member(guild, UserId.make(ids.carol)))
      assert.isFalse(carol.manager)
      assert.notInclude(carol.roleIds, RoleId.make(ids.dj))
      assert.isNull(carol.voiceChannelId)
      assert.strictEqual(yield* directory.humansIn(guild, ChannelId.make(ids.music)), 2)
      assert.strictEqual(yield* directory.humansIn(guild, ChannelId.make(ids.lounge)), 0)
      // Someone moving is seen at once.
      fake.userJoinsVoice(ids.carol, ids.guild, ids.lounge)
      yield* directory.member(guild, UserId.make(ids.carol)).pipe(
        Effect.flatMap((m) => Option.getOrThrow(m).voiceChannelId === ids.lounge ? Effect.void : Effect.fail("not yet")),
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo({ duration: "5 seconds" })))
      )
      assert.strictEqual(yield* directory.humansIn(guild, ChannelId.make(ids.lounge)), 1)
      // Unknown to the guild: none, not a failure.
      assert.isTrue(Option.isNone(yield* directory.member(guild, UserId.make(ids.application))))
      assert.isTrue(Option.isNone(yield* directory.member(GuildId.make("999999999999999999"), UserId.make(ids.alice))))
    }).pipe(Effect.scoped), 60_000)
})
