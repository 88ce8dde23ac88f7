import { assert, describe, it } from "vitest"
import { blockHarness, command, ids, isEphemeral, sleep, text, waitForAnswer } from "./harness.ts"

/** The custom ids and option values of the answer's components. */
const componentsOf = (answer: { readonly message: { readonly components: unknown } }) => JSON.stringify(answer.message.components)

/** What played, through /history, and who did what, through /audit, against one bot. */
describe("Reprise against the fake Discord: history and the audit log", () => {
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild },
    tones: { "/a440.ogg": [440, 2], "/b660.ogg": [660, 30], "/c550.ogg": [550, 30], "/gone.ogg": [330, 30] }
  })

  it("records each play with its requester and how it ended: finished, skipped, failed, stopped", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await command(fake, ids.bob, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    await command(fake, ids.bob, "play", { query: h.files.url("/gone.ogg") }, /Queued/)
    // Gone once queued: it fails when its turn comes.
    h.files.withdraw("/gone.ogg")
    await command(fake, ids.alice, "play", { query: h.files.url("/c550.ogg") }, /Queued/)
    // a440 plays its 2 seconds to the end; then bob skips his own b660.
    await fake.waitForMessage((e) => /b660/.test(text(e)) && /Now playing/.test(text(e)), 15_000)
    await sleep(1_000)
    await command(fake, ids.bob, "skip", {}, /Skipped/)
    // gone.ogg fails; c550 plays and is stopped.
    await fake.waitForMessage((e) => /c550/.test(text(e)) && /Now playing/.test(text(e)), 15_000)
    await sleep(500)
    await command(fake, ids.alice, "stop", {}, /Stopped/)

    // The history is written in the background: read it until the last end has landed.
    let shown = await command(fake, ids.alice, "history show", {}, /Recently played/)
    for (let attempt = 0; attempt < 20 && !/· stopped/.test(shown.text); attempt++) {
      await sleep(250)
      shown = await command(fake, ids.alice, "history show", {}, /Recently played/)
    }
    assert.isTrue(isEphemeral(shown.answer))
    const lines = shown.text.split("\\n").filter((l) => /<t:\d+:R>/.test(l))
    assert.lengthOf(lines, 4)
    assert.match(lines[0] ?? "", /c550.*<@\d+>.* · stopped/)
    assert.match(lines[1] ?? "", new RegExp(`gone.*<@${ids.bob}>.* · failed`))
    assert.match(lines[2] ?? "", new RegExp(`b660.*<@${ids.bob}>.* · skipped`))
    assert.match(lines[3] ?? "", new RegExp(`a440.*<@${ids.alice}>`))
    assert.notMatch(lines[3] ?? "", /skipped|stopped|failed|playing/, "a440 finished")

    const searched = await command(fake, ids.bob, "history show", { search: "B660" }, /matching/)
    assert.match(searched.text, /b660/)
    assert.notMatch(searched.text, /a440|c550/)
  }, 90_000)

  it("saves what played recently as a playlist, oldest first, one entry per track", async () => {
    const saved = await command(h.fake, ids.alice, "history save", { name: "Tonight" }, /Saved/)
    assert.match(saved.text, /Saved what played recently as \*\*Tonight\*\* \(4 tracks\)/)
    const shown = await command(h.fake, ids.alice, "playlist show", { name: "tonight" }, /page 1 of 1/)
    assert.match(shown.text, /`1\.` .*a440.*`2\.` .*b660.*`3\.` .*gone.*`4\.` .*c550/)
  }, 30_000)

  it("queues a track of the history again from its menu", async () => {
    const shown = await command(h.fake, ids.alice, "history show", {}, /Recently played/)
    const menu = /"custom_id":"history"/.test(componentsOf(shown.answer))
    assert.isTrue(menu, "a menu of the page's tracks")
    const options = /"options":(\[[^\]]*\])/.exec(componentsOf(shown.answer))?.[1] ?? "[]"
    const a440 = (JSON.parse(options) as ReadonlyArray<{ readonly label: string; readonly value: string }>)
      .find((o) => /a440/.test(o.label))
    assert.isDefined(a440)
    const picked = h.fake.selectMenu(shown.answer.message.id, "history", ids.alice, [a440?.value ?? ""])
    const answer = await waitForAnswer(h.fake, picked, /Now playing/)
    assert.match(text(answer), /a440/)
    await h.fake.waitForRtp(ids.guild, 25, 10_000)
    await sleep(300)
    assert.approximately((await h.listen(800)).frequency(), 440, 5)
  }, 30_000)

  it("shows the audit log to those who manage the server, privately, filtered by member and action", async () => {
    const { fake } = h
    const refused = await command(fake, ids.bob, "audit")
    assert.isTrue(isEphemeral(refused.answer))
    assert.match(refused.text, /Only people with the Manage Server permission can read the audit log/)

    const log = await command(fake, ids.alice, "audit", {}, /Audit log/)
    assert.isTrue(isEphemeral(log.answer))
    assert.match(log.text, new RegExp(`<@${ids.alice}> \\*\\*stopped\\*\\*`))
    assert.match(log.text, new RegExp(`<@${ids.bob}> \\*\\*skipped\\*\\* — count 1 · byVote false`))
    assert.match(log.text, /\*\*playlist-saved\*\* — .*name Tonight/)

    const bobs = await command(fake, ids.alice, "audit", { user: ids.bob }, /Audit log/)
    const bobLines = bobs.text.split("\\n").filter((l) => /<t:\d+:R>/.test(l))
    assert.deepStrictEqual(bobLines.map((l) => /\*\*([\w-]+)\*\*/.exec(l)?.[1]), ["skipped", "queued", "queued"])
    assert.isTrue(bobLines.every((l) => l.includes(`<@${ids.bob}>`)))

    const queued = await command(fake, ids.alice, "audit", { action: "queued" }, /Audit log/)
    const queuedLines = queued.text.split("\\n").filter((l) => /<t:\d+:R>/.test(l))
    assert.lengthOf(queuedLines, 5, "four /play and one pick from the history")
    assert.isTrue(queuedLines.every((l) => l.includes("**queued**")))

    const typing = fake.autocomplete(ids.guild, ids.alice, "audit", { action: "playlist-re" }, "action")
    const choices = (await fake.waitForInteractionResponse(typing.id)).data["choices"] as ReadonlyArray<{ readonly value: string }>
    assert.deepStrictEqual(choices.map((c) => c.value), ["playlist-removed", "playlist-renamed"])
  }, 30_000)
})
