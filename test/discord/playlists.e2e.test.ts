import { assert, describe, it } from "vitest"
import type { FakeAttachment } from "../fake-discord/Interactions.ts"
import { blockHarness, command, eventually, ids, isEphemeral, sleep, suggestions, text, waitForAnswer } from "./harness.ts"

interface ExportedFile {
  readonly format: string
  readonly version: number
  readonly name: string
  readonly tracks: ReadonlyArray<{ readonly title: string; readonly location: string; readonly kind: string }>
}

/** Saved playlists against one bot: personal and shared, saved from the queue, loaded, edited, exported and imported. */
describe("Reprise against the fake Discord: saved playlists", () => {
  const h = blockHarness({
    env: { DISCORD_GUILD_ID: ids.guild },
    tones: { "/a440.ogg": [440, 30], "/b660.ogg": [660, 30], "/c550.ogg": [550, 30] }
  })

  /** Uploads `content` with /playlist import as `userId` and waits for the answer. */
  const importFile = async (userId: string, content: string, options: Readonly<Record<string, string>> = {}) => {
    const file: FakeAttachment = { filename: "playlist.json", content, contentType: "application/json" }
    const sent = h.fake.sendSlashCommand(ids.guild, userId, "playlist import", { file, ...options })
    const answer = await waitForAnswer(h.fake, sent)
    return { answer, text: text(answer) }
  }

  /** The exported file the answer carries, as the fake's CDN serves it. */
  const exported = async (name: string): Promise<ExportedFile> => {
    const { answer } = await command(h.fake, ids.alice, "playlist export", { name }, /as a file/)
    const [attachment] = answer.message.attachments as ReadonlyArray<{ readonly url: string; readonly filename: string }>
    assert.match(attachment?.filename ?? "", /\.json$/)
    const response = await fetch(attachment?.url ?? "")
    assert.strictEqual(response.status, 200)
    return (await response.json()) as ExportedFile
  }

  const suggested = (userId: string, typed: string) => suggestions(h.fake, userId, "playlist load", "name", typed)

  it("registers /playlist with its subcommands", () => {
    const registered = h.fake.commands(ids.guild).find((c) => c["name"] === "playlist")
    const subcommands = (registered?.["options"] as ReadonlyArray<{ readonly name: string }>).map((o) => o.name)
    assert.sameMembers(subcommands, ["save", "load", "add", "remove", "show", "list", "rename", "delete", "export", "import"])
  })

  it("saves the queue as the caller's playlist, current track first; lists it and shows it in order", async () => {
    const { fake } = h
    await command(fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
    await command(fake, ids.alice, "play", { query: h.files.url("/b660.ogg") }, /Queued/)
    const saved = await command(fake, ids.alice, "playlist save", { name: "Evening" }, /Saved/)
    assert.match(saved.text, /Saved the queue as \*\*Evening\*\* \(2 tracks, yours\)/)
    const again = await command(fake, ids.alice, "playlist save", { name: "EVENING" })
    assert.isTrue(isEphemeral(again.answer))
    assert.match(again.text, /You already have a playlist called "EVENING"/)

    const list = await command(fake, ids.alice, "playlist list", {}, /Saved playlists/)
    assert.match(list.text, /Yours.*\*\*Evening\*\* — 2 tracks/)
    const shown = await command(fake, ids.alice, "playlist show", { name: "evening" }, /page 1 of 1/)
    assert.match(shown.text, /`1\.` .*a440.*`2\.` .*b660/)
  }, 60_000)

  it("loads a playlist into the caller's channel: its tracks are queued and play", async () => {
    const { fake } = h
    await command(fake, ids.alice, "stop", {}, /Stopped/)
    await eventually(() => fake.voiceChannelOf(ids.guild) === null, "the bot out of voice")
    const loaded = await command(fake, ids.alice, "playlist load", { name: "Evening" }, /Now playing/)
    assert.match(loaded.text, /Now playing: .*a440.* and 1 more from \*\*Evening\*\*/)
    assert.strictEqual(fake.voiceChannelOf(ids.guild), ids.music)
    await fake.waitForRtp(ids.guild, 25, 10_000)
    await sleep(300)
    assert.approximately((await h.listen(800)).frequency(), 440, 5)
    await command(fake, ids.alice, "queue", {}, /b660/)
  }, 60_000)

  it("adds what a link resolves to, and removes a track by position", async () => {
    const { fake } = h
    const added = await command(fake, ids.alice, "playlist add", { name: "evening", query: h.files.url("/c550.ogg") }, /Added/)
    assert.match(added.text, /Added .*c550.* to \*\*Evening\*\* at position 3 \(now 3 tracks\)/)
    const removed = await command(fake, ids.alice, "playlist remove", { name: "evening", position: 2 }, /Removed/)
    assert.match(removed.text, /Removed .*b660.* \(position 2\) from \*\*Evening\*\*/)
    const shown = await command(fake, ids.alice, "playlist show", { name: "Evening" }, /page 1 of 1/)
    assert.match(shown.text, /`1\.` .*a440.*`2\.` .*c550/)
    assert.notMatch(shown.text, /b660/)
    const past = await command(fake, ids.alice, "playlist remove", { name: "evening", position: 7 })
    assert.isTrue(isEphemeral(past.answer))
    assert.match(past.text, /"Evening" has no track 7 \(it has 2\)/)
  }, 60_000)

  it("exports a JSON file and imports it back as the same tracks", async () => {
    const file = await exported("evening")
    assert.deepInclude(file, { format: "reprise.playlist", version: 1, name: "Evening" })
    assert.deepStrictEqual(file.tracks.map((t) => [t.kind, t.location]), [
      ["http", h.files.url("/a440.ogg")],
      ["http", h.files.url("/c550.ogg")]
    ])
    const imported = await importFile(ids.alice, JSON.stringify(file), { name: "Evening Copy" })
    assert.match(imported.text, /Imported \*\*Evening Copy\*\* with 2 tracks as yours/)
    assert.deepStrictEqual((await exported("evening copy")).tracks, file.tracks)

    // A long one shows in pages, with buttons that turn them in place.
    const long = { ...file, name: "Long", tracks: Array.from({ length: 12 }, (_, i) => ({ ...file.tracks[i % 2], title: `Tone ${i + 1}` })) }
    assert.match((await importFile(ids.alice, JSON.stringify(long))).text, /Imported \*\*Long\*\* with 12 tracks/)
    const first = await command(h.fake, ids.alice, "playlist show", { name: "long" }, /page 1 of 2/)
    assert.match(first.text, /Tone 10/)
    assert.notMatch(first.text, /Tone 11/)
    const next = /"custom_id":"(playlist:\d+:2)"/.exec(JSON.stringify(first.answer.message.components))?.[1] ?? ""
    const press = h.fake.pressButton(first.answer.message.id, next, ids.alice)
    const second = await waitForAnswer(h.fake, press, /page 2 of 2/)
    assert.match(text(second), /`11\.` .*Tone 11.*`12\.` .*Tone 12/)
    await command(h.fake, ids.alice, "playlist delete", { name: "long" }, /Deleted/)
  }, 60_000)

  it("refuses a bad file with its reason, privately, and writes nothing", async () => {
    const { fake } = h
    const file = await exported("evening")
    const sneaky = { ...file, name: "Sneaky", tracks: [file.tracks[0], { ...file.tracks[1], kind: "file", location: "/etc/passwd" }] }
    const refused = await importFile(ids.alice, JSON.stringify(sneaky))
    assert.isTrue(isEphemeral(refused.answer))
    assert.match(refused.text, /I can't import that file: track 2's "location" points at a file on the bot's own disk/)
    assert.match(refused.text, /Nothing was saved/)
    const notJson = await importFile(ids.alice, "#EXTM3U\nsong.mp3", { name: "Sneaky" })
    assert.match(notJson.text, /it isn't JSON/)
    const list = await command(fake, ids.alice, "playlist list", {}, /Saved playlists/)
    assert.notMatch(list.text, /Sneaky/)
    const missing = await command(fake, ids.alice, "playlist show", { name: "Sneaky" })
    assert.match(missing.text, /I couldn't find a playlist called "Sneaky"/)
  }, 60_000)

  it("shares a playlist with the server: anyone shows it, only DJs and managers change it", async () => {
    const { fake } = h
    await command(fake, ids.alice, "settings", { djrole: ids.dj }, /DJ role set/)
    const shared = await command(fake, ids.alice, "playlist save", { name: "Party", scope: "guild" }, /Saved/)
    assert.match(shared.text, /\*\*Party\*\* \(\d+ tracks?, this server's\)/)
    const notDj = /Only DJs and people who manage this server can change its shared playlists/
    for (const [name, options] of [
      ["playlist rename", { name: "party", new_name: "Bob's now" }],
      ["playlist delete", { name: "party" }],
      ["playlist add", { name: "party", query: h.files.url("/b660.ogg") }],
      ["playlist save", { name: "Also mine", scope: "guild" }]
    ] as const) {
      const refused = await command(fake, ids.bob, name, options)
      assert.isTrue(isEphemeral(refused.answer), name)
      assert.match(refused.text, notDj, name)
    }
    const shown = await command(fake, ids.bob, "playlist show", { name: "PARTY" }, /Party — page 1 of 1/)
    assert.match(shown.text, /this server's/)
    const list = await command(fake, ids.bob, "playlist list", {}, /Saved playlists/)
    assert.match(list.text, /This server's.*\*\*Party\*\*/)
    assert.notMatch(list.text, /Evening/, "Alice's own playlists are hers")
  }, 60_000)

  it("suggests the caller's own playlists and the server's while typing a name, by prefix", async () => {
    const { fake } = h
    await command(fake, ids.bob, "playlist save", { name: "Bob's Mix" }, /Saved/)
    assert.sameMembers([...await suggested(ids.bob, "")], ["Bob's Mix", "Party"])
    assert.sameMembers([...await suggested(ids.bob, "pa")], ["Party"])
    assert.sameMembers([...await suggested(ids.alice, "EV")], ["Evening", "Evening Copy"])
    assert.sameMembers([...await suggested(ids.alice, "bob")], [])
  }, 60_000)

  it("renames and deletes: the old name is gone, then the playlist", async () => {
    const { fake } = h
    const renamed = await command(fake, ids.alice, "playlist rename", { name: "evening copy", new_name: "Night" }, /Renamed/)
    assert.match(renamed.text, /Renamed \*\*Evening Copy\*\* to \*\*Night\*\*/)
    assert.match((await command(fake, ids.alice, "playlist show", { name: "Evening Copy" })).text, /couldn't find/)
    const deleted = await command(fake, ids.alice, "playlist delete", { name: "night" }, /Deleted/)
    assert.match(deleted.text, /Deleted \*\*Night\*\* \(2 tracks\)/)
    assert.match((await command(fake, ids.alice, "playlist load", { name: "Night" })).text, /couldn't find a playlist called "Night"/)
    const list = await command(fake, ids.alice, "playlist list", { scope: "user" }, /Saved playlists/)
    assert.notMatch(list.text, /Night/)
    assert.match(list.text, /Evening/)
  }, 60_000)
})
