import { assert, describe, it } from "vitest"
import { aesGcm, xchacha } from "../fake-discord/Crypto.ts"
import { isLeave } from "../fake-discord/FakeDiscord.ts"
import { analyse } from "../fake-discord/ReceivedAudio.ts"
import {
  blockHarness,
  command,
  commandNames,
  eventually,
  ids,
  isEphemeral,
  sleep,
  text,
  waitForAnswer
} from "./harness.ts"

/** Permissions, vote-skip and failures, against one bot that leaves after 2 s alone. */
describe("Reprise against the fake Discord: rules and resilience", () => {
  const h = blockHarness({
    // XChaCha20 offered first: the bot must encrypt with it, which takes its libsodium work-around
    // (src/voice/SodiumCompat.ts); the other e2e files use AES-GCM.
    fake: { voiceModes: [xchacha, aesGcm] },
    env: { VOICE_ALONE_TIMEOUT: "2 seconds", DISCORD_GUILD_ID: ids.guild },
    tones: { "/a440.ogg": [440, 60], "/b660.ogg": [660, 60] },
    music: { "tone-550": [550, 20] }
  })
  const { stream, listen } = h

  it("registers the commands in DISCORD_GUILD_ID only, not globally", () => {
    assert.lengthOf(h.fake.commands(), 0)
    assert.sameMembers(h.fake.commands(ids.guild).map((c) => c["name"]), commandNames)
  })

  it("answers /help privately with every command, and /help with one command with its options", async () => {
    const all = await command(h.fake, ids.carol, "help", {}, /what I can do/)
    assert.isTrue(isEphemeral(all.answer))
    for (const name of commandNames) assert.include(all.text, `/${name}`)
    const one = await command(h.fake, ids.carol, "help", { command: "loop" }, /loop/)
    assert.include(one.text, "What to loop")
    const none = await command(h.fake, ids.carol, "help", { command: "dance" })
    assert.match(none.text, /There is no \/dance command/)
  })

  it("refuses a user outside any voice channel, privately and kindly", async () => {
    const { answer, text } = await command(h.fake, ids.carol, "play", { query: h.files.url("/a440.ogg") })
    assert.isTrue(isEphemeral(answer))
    assert.match(text, /Join a voice channel first/)
    assert.isNull(h.fake.voiceChannelOf(ids.guild))
  }, 30_000)

  it("refuses DJ-only commands to members without the DJ role", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    const set = await command(fake, ids.alice, "settings", { djrole: ids.dj }, /DJ role set/)
    assert.isTrue(isEphemeral(set.answer))
    const nope = await command(fake, ids.bob, "settings", { nodj: true })
    assert.match(nope.text, /Only people who manage this server/)
    const djOnly = [["volume", { level: 20 }], ["stop", {}], ["clear", {}], ["effects", { name: "8d" }]] as const
    for (const [name, options] of djOnly) {
      const refused = await command(fake, ids.bob, name, options)
      assert.isTrue(isEphemeral(refused.answer), name)
      assert.match(refused.text, /Only DJs/, name)
    }
    // Bob may still control playback from the channel.
    await command(fake, ids.bob, "pause", {}, /Paused/)
    await command(fake, ids.bob, "resume", {}, /Resumed/)
  }, 60_000)

  it("refuses control from outside the bot's voice channel", async () => {
    const refused = await command(h.fake, ids.carol, "pause")
    assert.isTrue(isEphemeral(refused.answer))
    assert.match(refused.text, /Join <#\d+> to control the music/)
  }, 30_000)

  it("turns a non-DJ's skip of someone else's track into a vote that needs a majority", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    fake.userJoinsVoice(ids.carol, ids.guild, ids.music)
    await sleep(200)
    const first = await command(fake, ids.bob, "skip", {}, /Vote to skip/)
    assert.match(first.text, /1 of 2 votes/)
    const again = await command(fake, ids.bob, "skip", {}, /already voted/)
    assert.match(again.text, /^You already voted to skip .*a440.*: 1 of 2 votes so far\.$/, "one vote per member")
    const passed = await command(fake, ids.carol, "skip", {}, /Vote passed/)
    assert.match(passed.text, /Starting .*b660/)
    await sleep(400)
    assert.approximately((await listen(800)).frequency(), 660, 5)
  }, 60_000)

  it("reconnects when the voice WebSocket is closed mid-song, and the song goes on", async () => {
    const { fake } = h
    const position = async () => {
      const np = await command(fake, ids.alice, "nowplaying", {}, /b660/)
      const [m = "0", s = "0"] = /(\d+):(\d\d) /.exec(np.text)?.slice(1) ?? []
      return Number(m) * 60 + Number(s)
    }
    const before = await position()
    const sessions = fake.voiceSessions.length
    const closedAt = performance.now()
    fake.closeVoice(ids.guild, 4006)
    await eventually(() => fake.voiceSessions.length > sessions, "a new voice session", 10_000)
    await fake.waitForRtp(ids.guild, 50, 10_000)
    const audio = analyse(stream(), closedAt)
    assert.strictEqual(stream().mode, xchacha)
    assert.strictEqual(audio.decryptFailures, 0)
    assert.approximately(audio.frequency(), 660, 5)
    // The song continued from where it was: neither restarted nor skipped ahead.
    const after = await position()
    const elapsed = (performance.now() - closedAt) / 1000
    assert.isAtLeast(after, before)
    assert.isAtMost(after, before + elapsed + 2)
  }, 30_000)

  it("resumes after the gateway drops, and commands work again", async () => {
    const { fake } = h
    const droppedAt = performance.now()
    fake.dropGateway()
    await fake.waitForGatewayOp(6, (op) => op.at > droppedAt, 15_000)
    const queue = await command(fake, ids.alice, "queue", {}, /Queue/)
    assert.match(queue.text, /b660/)
    const before = stream().packets.length
    await sleep(500)
    assert.isAbove(stream().packets.length, before + 15, "audio kept flowing")
  }, 30_000)

  it("follows when moved to another channel, and the song goes on", async () => {
    const { fake } = h
    fake.userJoinsVoice(ids.alice, ids.guild, ids.lounge)
    const sessions = fake.voiceSessions.length
    const movedAt = performance.now()
    fake.moveBot(ids.guild, ids.lounge)
    await eventually(() => fake.voiceSessions.length > sessions, "a voice session in the new channel", 10_000)
    await fake.waitForRtp(ids.guild, 25, 10_000)
    assert.strictEqual(fake.voiceChannelOf(ids.guild), ids.lounge)
    assert.strictEqual(stream().channelId, ids.lounge)
    assert.approximately(analyse(stream(), movedAt).frequency(), 660, 5)
    // Control now belongs to the new channel.
    const bob = await command(fake, ids.bob, "pause")
    assert.match(bob.text, /Join <#\d+> to control/)
  }, 30_000)

  it("leaves after the configured delay when nobody is left in the channel", async () => {
    const { fake } = h
    for (const user of [ids.alice, ids.bob, ids.carol]) fake.userJoinsVoice(user, ids.guild, null)
    const aloneAt = performance.now()
    const leave = await fake.waitForGatewayOp(4, (op) => op.at > aloneAt && isLeave(op.d), 10_000)
    const after = leave.at - aloneAt
    assert.isAbove(after, 1500, "waits for the delay")
    assert.isBelow(after, 4000)
    await eventually(() => fake.voiceChannelOf(ids.guild) === null, "the bot out of voice")
    await fake.waitForMessage((e) => e.via === "channel" && e.kind === "edit" && /Stopped/.test(text(e)))
  }, 30_000)

  it("stays with nobody listening in 24/7 mode, and leaves once it is turned off", async () => {
    const { fake } = h
    fake.userJoinsVoice(ids.alice, ids.guild, ids.music)
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await fake.waitForRtp(ids.guild, 20, 10_000)
    await command(fake, ids.alice, "settings", { stay: true }, /24\/7 is on/)
    fake.userJoinsVoice(ids.alice, ids.guild, null)
    const aloneAt = performance.now()
    await sleep(3500)
    assert.strictEqual(fake.voiceChannelOf(ids.guild), ids.music, "still there, well past the 2 s alone")
    assert.isFalse(fake.gatewayOps.some((op) => op.op === 4 && op.at > aloneAt && isLeave(op.d)), "never asked to leave")

    const offAt = performance.now()
    await command(fake, ids.alice, "settings", { stay: false }, /24\/7 is off/)
    const leave = await fake.waitForGatewayOp(4, (op) => op.at > offAt && isLeave(op.d), 10_000)
    assert.isBelow(leave.at - offAt, 4500, "within one alone timeout of turning it off")
  }, 30_000)

  it("stops cleanly when kicked from voice", async () => {
    const { fake } = h
    fake.userJoinsVoice(ids.alice, ids.guild, ids.music)
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await fake.waitForRtp(ids.guild, 20, 10_000)
    fake.kickBot(ids.guild)
    const kickedAt = performance.now()
    await sleep(1500)
    assert.isNull(fake.voiceChannelOf(ids.guild))
    const rejoins = fake.gatewayOps.filter((op) => op.op === 4 && op.at > kickedAt && !isLeave(op.d))
    assert.lengthOf(rejoins, 0, "does not rejoin")
    const np = await command(fake, ids.alice, "nowplaying", {}, /Nothing playing/)
    assert.ok(np)
  }, 30_000)

  it("suggests local files while typing /play", async () => {
    const { fake } = h
    const typing = fake.autocomplete(ids.guild, ids.alice, "play", { query: "local:tone" }, "query")
    const answer = await fake.waitForInteractionResponse(typing.id)
    assert.strictEqual(answer.type, 8)
    assert.include(JSON.stringify(answer.data), "tone-550")
  }, 30_000)

  it("/search lists results in a select menu, and picking one plays it", async () => {
    const { fake } = h
    const search = fake.sendSlashCommand(ids.guild, ids.alice, "search", { query: "local:tone" })
    const menu = await waitForAnswer(fake, search, /Results/)
    assert.isTrue(isEphemeral(menu))
    const options = JSON.stringify(menu.message.components)
    const value = /"value":"([^"]+)"/.exec(options)?.[1]
    assert.isDefined(value)
    const pick = fake.selectMenu(menu.message.id, "search", ids.alice, [value ?? ""])
    const playing = await waitForAnswer(fake, pick, /Now playing|Queued/)
    assert.include(text(playing), "tone")
    // The menu and that answer are Alice's alone: the channel is told in public, as after /play.
    const told = await fake.waitForFollowUp(pick.token, (e) => /queued/.test(e.message.content))
    assert.isFalse(isEphemeral(told))
    assert.match(told.message.content, new RegExp(`^<@${ids.alice}> queued \\*\\*tone.550\\*\\* \\(0:20\\)(, playing now| at position \\d+)\\.$`))
    await fake.waitForRtp(ids.guild, 25, 10_000)
    assert.approximately(analyse(stream(), performance.now() - 400).frequency({ fromMs: 0, durationMs: 300 }), 550, 6)
  }, 30_000)

  it("answers an unexpected failure privately with an error id that the log carries too", async () => {
    const { fake } = h
    // Discord refuses the edit of /play's deferred answer once: nothing the user can fix.
    fake.failNextRest("PATCH", /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/, {
      status: 403,
      code: 50013,
      message: "Missing Permissions"
    })
    const { answer, text } = await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /error id/)
    assert.isTrue(isEphemeral(answer))
    assert.match(text, /Something went wrong on my side/)
    const errorId = /error id: `(\w+)`/.exec(text)?.[1] ?? ""
    assert.isAtLeast(errorId.length, 6)
    await eventually(() => h.bot.output().includes(errorId), "the error id in the bot's log")
    const logged = h.bot.output().split("\n").find((line) => line.includes(errorId)) ?? ""
    assert.match(logged, /interaction failed/)
    assert.match(logged, /Missing Permissions/)
    assert.notInclude(h.bot.output(), fake.endpoints.token, "the token never reaches the log")
    // Nothing was lost: the track was queued before the answer failed.
    await command(fake, ids.alice, "queue", {}, /b660/)
    await command(fake, ids.alice, "clear", {}, /Cleared 1 track/)
  }, 30_000)

  it("/playfile queues an uploaded file", async () => {
    const { fake } = h
    const file = { filename: "b660.ogg", url: h.files.url("/b660.ogg"), size: 1000, contentType: "audio/ogg" }
    const sent = fake.sendSlashCommand(ids.guild, ids.alice, "playfile", { file })
    const answer = await waitForAnswer(fake, sent, /Queued|Now playing|./)
    assert.match(text(answer), /Queued .* at position 1/)
  }, 30_000)

  it("after a restart, finds its commands registered unchanged and does not register them again", async () => {
    const { fake } = h
    const puts = () => fake.restCalls.filter((c) => c.method === "PUT" && c.path.endsWith("/commands")).length
    assert.strictEqual(puts(), 1)
    const restartedAt = performance.now()
    await h.restart()
    await fake.waitForRest((c) => c.at > restartedAt && c.method === "GET" && c.path.endsWith("/commands"), 30_000)
    await h.bot.waitForOutput(/slash commands are up to date|registered slash commands/, 10_000).catch(() => "")
    await sleep(500)
    assert.strictEqual(puts(), 1, h.bot.output().split("\n").filter((l) => l.includes("slash")).join("\n"))
    // And the restarted bot answers.
    await command(fake, ids.alice, "queue", {}, /Queue/)
  }, 60_000)
})
