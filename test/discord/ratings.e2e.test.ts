import { Effect } from "effect"
import { assert, describe, it } from "vitest"
import type { MessageEvent } from "../fake-discord/State.ts"
import { embeddedDatabase } from "../support/database.ts"
import { insertHistory, type PlayedTrack } from "../support/history.ts"
import { blockHarness, command, ids, isEphemeral, sleep, text, waitForAnswer } from "./harness.ts"

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000)

interface EmbedField {
  readonly name: string
  readonly value: string
}

/** The value of the answer's embed field called `name`. */
const field = (answer: MessageEvent, name: string): string => {
  const [embed] = answer.message.embeds as ReadonlyArray<{ readonly fields?: ReadonlyArray<EmbedField> }>
  const found = embed?.fields?.find((f) => f.name === name)
  if (found === undefined) throw new Error(`no field "${name}" in ${text(answer)}`)
  return found.value
}

/**
 * Ratings and stats against one bot whose database already holds some history (written before it
 * started): a year's worth of plays is not something a test waits for.
 */
describe("Reprise against the fake Discord: ratings and stats", () => {
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild },
    tones: { "/a440.ogg": [440, 60] },
    prepare: async (dataDir, files) => {
      const play = (
        trackId: string,
        title: string,
        requester: string,
        days: number,
        endReason: PlayedTrack["endReason"],
        location?: string
      ): PlayedTrack => ({
        guildId: ids.guild,
        requester,
        trackId,
        title,
        location: location ?? `/music/${trackId}.ogg`,
        startedAt: daysAgo(days),
        endReason
      })
      const a440 = files.url("/a440.ogg")
      await Effect.runPromise(
        insertHistory([
          play(`http:${a440}`, "Tone A", ids.bob, 40, "finished", a440),
          play("http:b660", "Tone B", ids.alice, 4, "skipped"),
          play("http:b660", "Tone B", ids.bob, 5, "finished"),
          ...Array.from({ length: 4 }, (_, i) => play("http:c550", "Tone C", ids.carol, 10 + i, i < 2 ? "skipped" : "finished"))
        ]).pipe(Effect.provide(embeddedDatabase(dataDir)))
      )
    }
  })

  it("registers /rate with its required choice and /stats with an optional period", () => {
    const registered = h.fake.commands(ids.guild)
    const options = (name: string) =>
      registered.find((c) => c["name"] === name)?.["options"] as ReadonlyArray<Record<string, unknown>> | undefined
    assert.deepInclude(options("rate")?.[0], { name: "rating", required: true })
    assert.deepStrictEqual((options("rate")?.[0]?.["choices"] as ReadonlyArray<{ value: string }>).map((c) => c.value), [
      "up",
      "down"
    ])
    const period = options("stats")?.[0]
    assert.strictEqual(period?.["name"], "period")
    assert.notStrictEqual(period?.["required"], true)
  })

  it("shows the history's stats, and says kindly when a period has none", async () => {
    const { fake } = h
    const quiet = await command(fake, ids.alice, "stats", { period: "day" })
    assert.match(text(quiet.answer), /Nothing has been played here in the last 24 hours/)
    const week = await command(fake, ids.alice, "stats", {}, /last 7 days/)
    assert.strictEqual(field(week.answer, "Most played"), "`1.` **Tone B** — 2 plays")
    assert.strictEqual(field(week.answer, "Top requesters"), `\`1.\` <@${ids.alice}> — 1 play\n\`2.\` <@${ids.bob}> — 1 play`)
    assert.strictEqual(field(week.answer, "Most skipped"), "`1.` **Tone B** — 1 skip")
    assert.match(field(week.answer, "Best rated"), /^No ratings yet/)
  }, 60_000)

  it("refuses a rating while nothing plays, privately", async () => {
    const refused = await command(h.fake, ids.alice, "rate", { rating: "up" })
    assert.isTrue(isEphemeral(refused.answer))
    assert.strictEqual(refused.text, "Nothing is playing right now, so there is nothing to rate.")
  }, 30_000)

  it("rates the current track with 👍/👎 under the now-playing message and with /rate; /stats counts one rating each", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    const posted = await fake.waitForMessage((e) => e.via === "channel" && e.kind === "create" && /Now playing/.test(text(e)))
    const rows = posted.message.components as ReadonlyArray<{ readonly components: ReadonlyArray<{ readonly custom_id: string }> }>
    assert.deepStrictEqual(rows.map((row) => row.components.map((c) => c.custom_id)), [
      ["np:previous", "np:toggle", "np:skip", "np:stop", "np:loop"],
      ["np:shuffle", "np:queue", "rate:up", "rate:down"]
    ])

    const liked = await waitForAnswer(fake, fake.pressButton(posted.message.id, "rate:up", ids.alice))
    assert.isTrue(isEphemeral(liked))
    assert.match(text(liked), /^You liked .*a440/)
    const disliked = await waitForAnswer(fake, fake.pressButton(posted.message.id, "rate:down", ids.bob))
    assert.isTrue(isEphemeral(disliked))
    assert.match(text(disliked), /^You disliked .*a440/)
    // Bob changes his mind, and says so twice: still one rating of his.
    for (let i = 0; i < 2; i++) {
      const changed = await command(fake, ids.bob, "rate", { rating: "up" })
      assert.isTrue(isEphemeral(changed.answer))
      assert.match(changed.text, /^You liked .*a440/)
    }

    // The ratings and the play reach the database through the background writer, a moment later.
    const a440 = String.raw`\[[^\]]+\]\(http://127\.0\.0\.1:\d+/a440\.ogg\)`
    const counted = new RegExp(String.raw`^\`1\.\` \*\*Tone C\*\* — 4 plays\n\`2\.\` ${a440} — 2 plays\n\`3\.\` \*\*Tone B\*\* — 2 plays$`)
    const allTime = async () => (await command(fake, ids.carol, "stats", { period: "all" }, /all time/)).answer
    const landed = (e: MessageEvent) => /\+2/.test(field(e, "Best rated")) && counted.test(field(e, "Most played"))
    let all = await allTime()
    for (let attempt = 0; attempt < 20 && !landed(all); attempt++) {
      await sleep(250)
      all = await allTime()
    }
    assert.isFalse(isEphemeral(all), "stats are for everyone to see")
    assert.match(field(all, "Best rated"), new RegExp(String.raw`^\`1\.\` ${a440} — \+2 \(2 ratings\)$`))
    // The rows written before the bot started, and the play it recorded itself.
    assert.match(field(all, "Most played"), counted)
    assert.strictEqual(
      field(all, "Top requesters"),
      `\`1.\` <@${ids.carol}> — 4 plays\n\`2.\` <@${ids.alice}> — 2 plays\n\`3.\` <@${ids.bob}> — 2 plays`
    )
    assert.strictEqual(field(all, "Most skipped"), "`1.` **Tone C** — 2 skips\n`2.` **Tone B** — 1 skip")
  }, 60_000)
})
