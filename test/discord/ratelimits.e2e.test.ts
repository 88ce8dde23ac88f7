import { assert, describe, it } from "vitest"
import { blockHarness, command, ids, isEphemeral, text, waitForAnswer } from "./harness.ts"

const tones = { "/a440.ogg": [440, 60], "/b660.ogg": [660, 60], "/c880.ogg": [880, 60] } as const

describe("Reprise against the fake Discord: rate limits", () => {
  const h = blockHarness({ env: { DISCORD_GUILD_ID: ids.guild, RATE_LIMIT_COMMANDS: "2 per minute" }, tones })

  it("answers a user's third command in a minute privately with when to try again, and does not run it", async () => {
    const { fake } = h
    // Typing is not asking: suggestions never count against the budget.
    for (let i = 0; i < 3; i++) {
      const typing = fake.autocomplete(ids.guild, ids.alice, "play", { query: "local:tone" }, "query")
      assert.strictEqual((await fake.waitForInteractionResponse(typing.id)).type, 8)
    }
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    const third = await command(fake, ids.alice, "play", { query: h.files.url("/c880.ogg") })
    assert.isTrue(isEphemeral(third.answer), "only the asker sees it")
    const wait = /^Slow down — try again in (\d+) seconds?\.$/.exec(third.text)
    assert.isNotNull(wait, third.text)
    assert.isAtLeast(Number(wait?.[1]), 45)
    assert.isAtMost(Number(wait?.[1]), 60)

    // Buttons count too: the press is answered the same way and does not pause.
    const posted = await fake.waitForMessage((e) => e.via === "channel" && e.kind === "create" && /Now playing/.test(text(e)))
    const pressed = await waitForAnswer(fake, fake.pressButton(posted.message.id, "np:toggle", ids.alice))
    assert.isTrue(isEphemeral(pressed))
    assert.match(text(pressed), /^Slow down — try again in \d+ seconds?\.$/)

    // Bob has a budget of his own; the queue holds what Alice asked for within hers, and no more.
    const queue = await command(fake, ids.bob, "queue", {}, /b660/)
    assert.notInclude(queue.text, "c880")
    const playing = await command(fake, ids.bob, "nowplaying")
    assert.match(playing.text, /Now playing/)
    assert.notMatch(playing.text, /Paused/)
  }, 60_000)
})

describe("Reprise against the fake Discord: rate limits while Redis is down", () => {
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild, RATE_LIMIT_COMMANDS: "2 per minute", REDIS_URL: "redis://127.0.0.1:1" },
    tones
  })

  it("starts, runs every command (fails open) and counts them in /metrics", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    const third = await command(fake, ids.alice, "play", { query: h.files.url("/c880.ogg") }, /Queued|Slow down/)
    assert.match(third.text, /Queued/)
    const metrics = await (await fetch(`${h.http}/metrics`)).text()
    const counted = metrics.split("\n").find((line) =>
      line.startsWith("reprise_rate_limit_fail_open_total{") && line.includes(`bucket="command"`) &&
      line.includes(`why="unconnected"`)
    )
    assert.isDefined(counted, metrics)
    assert.isAtLeast(Number(counted?.split(" ").at(-1)), 3)
    // Warned, but not once a command.
    assert.lengthOf(h.bot.output().split("\n").filter((line) => line.includes("rate limits are not enforced")), 1)
  }, 60_000)
})
