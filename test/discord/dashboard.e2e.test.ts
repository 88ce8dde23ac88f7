/**
 * The dashboard in a real Chromium against the whole bot and the fake Discord: a login through the
 * fake's authorize page, the server picker, a track added from the page and heard, the page's
 * controls, Discord-side commands showing up live in two tabs, a readable refusal, screenshots at
 * desktop and phone widths, and no request to any host other than the bot.
 */
import { existsSync, mkdirSync } from "node:fs"
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type FakeLrclib, record as song, startFakeLrclib } from "../support/fakeLrclib.ts"
import { solidPng } from "../support/png.ts"
import { type Answer, readAnswer } from "../support/problems.ts"
import { blockHarness, command, eventually, ids } from "./harness.ts"

/** Debian's Chromium, or CHROMIUM_PATH; `.ci/run` installs it. Only outside CI may it be missing. */
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const runs = existsSync(chromiumPath) || process.env.CI !== undefined
const artifacts = new URL("../../test-artifacts/", import.meta.url)

/** A track whose title (its file name) is markup: the page must show it as text. */
const marked = "/%3Cimg%20src%3Dx%3E%3Cb%3Ec550%3C%2Fb%3E.ogg"

/** What the page shows within the time a person would call "live". */
const live = { timeout: 2000 }

/** Waits until `check` holds, polling the page (the tests' types know no DOM, so no page functions). */
const until = async (check: () => Promise<boolean>, label: string, timeoutMs = live.timeout) => {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
const textOf = async (p: Page, selector: string) => (await p.locator(selector).textContent()) ?? ""

describe.runIf(runs)("the dashboard in Chromium against the fake Discord", () => {
  let lrclib: FakeLrclib
  beforeAll(async () => {
    lrclib = await startFakeLrclib([
      // a440's words, a line every two seconds.
      song({ id: 800, trackName: "a440", artistName: "Tones", duration: 60,
        syncedLyrics: Array.from({ length: 30 }, (_, i) => `[00:${String(i * 2).padStart(2, "0")}.00] Line ${i + 1}`).join("\n") })
    ])
  })
  afterAll(() => lrclib.close())
  const h = blockHarness({
    env: (endpoints, http) => ({
      LYRICS_API_BASE: lrclib.url,
      DISCORD_GUILD_ID: ids.guild,
      PUBLIC_URL: http,
      // The page refetches the player on events; two tabs and the checks below add up.
      RATE_LIMIT_API_USER: "10000 per minute",
      RATE_LIMIT_API_GUILD: "10000 per minute",
      ...endpoints.oauthEnv
    }),
    tones: { "/a440.ogg": [440, 60], "/b660.ogg": [660, 60], [marked]: [550, 60] },
    // A page yt-dlp reads: its video's poster is the track's artwork.
    texts: {
      "/cover-song.html": `<html><head><title>Cover Song</title></head><body><video src="/a440.ogg" poster="/cover.png"></video></body></html>`,
      "/cover.png": solidPng(96, 96, [250, 180, 20])
    },
    music: { Moonlight: [330, 5] }
  })

  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  /** Every URL the dashboard's pages asked for, once logged in. */
  const requested: Array<string> = []
  const record = (p: Page) => p.on("request", (request) => requested.push(request.url()))

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] })
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
  }, 30_000)
  afterAll(async () => browser?.close())

  const guildPage = () => `${h.http}/dashboard/${ids.guild}`

  /** The player as the API shows it to alice's session (the browser's own cookie). */
  const player = async (): Promise<Answer> => {
    const cookie = (await context.cookies(h.http)).find((c) => c.name === "reprise_session")
    assert.isDefined(cookie, "the browser holds the session cookie")
    return readAnswer(await fetch(`${h.http}/api/v1/guilds/${ids.guild}/player`, {
      headers: { cookie: `reprise_session=${cookie!.value}` }
    }))
  }

  it("sends a visitor without a login to Discord, and lands alice on the server picker", async () => {
    await page.goto(`${h.http}/dashboard`)
    assert.strictEqual(new URL(page.url()).pathname, "/oauth2/authorize", "Discord's authorize page")
    await page.selectOption("select[name=user]", ids.alice)
    await page.getByRole("button", { name: "Authorize" }).click()
    await page.waitForURL(`${h.http}/dashboard`)
    record(page)
    await page.getByText("Logged in as alice.").waitFor()
    const servers = page.locator(".guilds li")
    await servers.first().waitFor()
    assert.deepStrictEqual(await servers.locator(".name").allTextContents(), ["Guild One", "Guild Two"])
    // Guild One's icon through the bot (shown once it has loaded); Guild Two has none, so a letter.
    await servers.first().locator("img.icon:not([hidden])").waitFor(live)
    assert.strictEqual(await page.evaluate<number>("document.querySelector('.guilds img.icon').naturalWidth"), 128)
    assert.strictEqual(await servers.nth(1).locator("img").count(), 0)
    assert.strictEqual(await servers.nth(1).locator(".icon").textContent(), "G")
    assert.strictEqual(await page.locator(".badge").count(), 0, "nothing plays yet")
  })

  it("serves the pages with a policy that forbids other origins, and the assets with their types", async () => {
    const shell = await page.request.get(`${h.http}/dashboard`)
    const policy = shell.headers()["content-security-policy"] ?? ""
    assert.include(policy, "default-src 'none'")
    assert.include(policy, "connect-src 'self'")
    assert.notMatch(policy, /https?:/, "no other origin is allowed")
    assert.include((await page.request.get(`${h.http}/dashboard/assets/app.js`)).headers()["content-type"], "text/javascript")
    assert.include((await page.request.get(`${h.http}/dashboard/assets/app.css`)).headers()["content-type"], "text/css")
    assert.strictEqual((await page.request.get(`${h.http}/dashboard/not-a-guild`)).status(), 404)
  })

  it("opens the guild, adds a track from the add-song box and plays it in alice's channel", async () => {
    await page.getByRole("link", { name: /Guild One/ }).click()
    await page.waitForURL(guildPage())
    await page.waitForSelector("body[data-live=open]")
    assert.strictEqual(await page.locator("#title").textContent(), "Nothing is playing")

    // The box suggests as it is typed into (the library only, with `local:`: no search leaves the machine).
    await page.locator("#query").pressSequentially("local:moon")
    await until(async () => (await page.locator("#suggestions option").count()) === 1, "a suggestion", 5000)
    assert.include(await page.locator("#suggestions option").getAttribute("label"), "Moonlight")
    assert.match((await page.locator("#suggestions option").getAttribute("value")) ?? "", /^local:/)

    await page.fill("#query", h.files.url("/a440.ogg"))
    await page.press("#query", "Enter")
    await until(async () => (await textOf(page, "#title")) !== "Nothing is playing", "a title", 15_000)
    await eventually(() => h.fake.voiceStreams(ids.guild).length > 0, "a voice stream")
    assert.approximately((await h.listen(1500)).frequency(), 440, 5)
    const now = await player()
    assert.strictEqual(await page.locator("#title").textContent(), now.body.current.title)
    assert.include(await page.locator("#requester").textContent(), "Requested by alice", "by name, not by id")

    // The bar moves on its own between events.
    const before = Number(await page.inputValue("#progress"))
    await page.waitForTimeout(1200)
    assert.isAbove(Number(await page.inputValue("#progress")), before)
  })

  it("shows the words of what plays, the line being sung marked as the track moves", async () => {
    await page.locator("#lyrics summary").click()
    await page.locator("#lyrics-status", { hasText: "a440 · Tones" }).waitFor({ timeout: 5000 })
    assert.strictEqual(await page.locator("#lyrics-lines li").count(), 30)
    const sung = async () => Number(/\d+/.exec(await textOf(page, "#lyrics-lines li[aria-current]"))?.[0] ?? Number.NaN)
    await until(async () => Number.isFinite(await sung()), "a line marked")
    const first = await sung()
    await until(async () => (await sung()) > first, "a later line marked", 3000)
    await page.locator("#lyrics summary").click()
  })

  it("queues two more, skips from the page, and changes the volume", async () => {
    for (const [i, path] of ["/b660.ogg", marked].entries()) {
      await page.fill("#query", h.files.url(path))
      await page.getByRole("button", { name: "Add", exact: true }).click()
      await until(async () => (await textOf(page, "#queue-count")) === `(${i + 1})`, `${i + 1} queued`, 10_000)
    }
    assert.include(await page.locator("#queue li .t").nth(1).textContent(), "<img src=x><b>c550</b>")
    assert.strictEqual(await page.locator("#queue img, #queue b").count(), 0, "a title is text, never markup")
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: new URL("dashboard-queue-1280.png", artifacts).pathname, fullPage: true })

    await page.click("#skip")
    await until(async () => (await textOf(page, "#queue-count")) === "(1)", "one track left in the queue")
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.approximately((await h.listen(1500)).frequency(), 660, 5)
    assert.strictEqual((await player()).body.current.url, h.files.url("/b660.ogg"))

    await page.locator("#volume").fill("50")
    await until(async () => (await textOf(page, "output[for=volume]")) === "50%", "the volume shown")
    let volume = 0
    for (let i = 0; i < 20 && volume !== 50; i++) {
      volume = (await player()).body.volume
      if (volume !== 50) await page.waitForTimeout(100)
    }
    assert.strictEqual(volume, 50)
  })

  it("shows a /skip and a /pause typed in Discord within two seconds, in two tabs", async () => {
    const second = await context.newPage()
    record(second)
    await second.goto(guildPage())
    await second.waitForSelector("body[data-live=open]")
    const tabs = [page, second]
    assert.strictEqual(await textOf(second, "#title"), await textOf(page, "#title"))

    const next = h.files.url(marked)
    await command(h.fake, ids.alice, "skip")
    const expected = (await player()).body.current
    assert.strictEqual(expected.url, next)
    for (const tab of tabs) {
      await until(async () => (await textOf(tab, "#title")) === expected.title, "the Discord-side skip")
      assert.strictEqual(await tab.locator("#queue-count").textContent(), "(0)")
    }
    assert.include(expected.title, "<img src=x>", "the title is markup")
    assert.strictEqual(await page.locator("#title img, #title b, #queue img").count(), 0, "shown as text, never as markup")

    await command(h.fake, ids.alice, "pause")
    for (const tab of tabs) await tab.locator("#playpause", { hasText: "Play" }).waitFor(live)

    // A change in one tab reaches the other.
    await second.click("#playpause")
    await page.locator("#playpause", { hasText: "Pause" }).waitFor(live)
    assert.isFalse((await player()).body.paused)
    await second.close()
  })

  it("moves, jumps to and removes queued tracks, and sets effects, equalizer, loop and settings", async () => {
    for (const [i, path] of ["/b660.ogg", "/a440.ogg"].entries()) {
      await page.fill("#query", h.files.url(path))
      await page.press("#query", "Enter")
      await until(async () => (await textOf(page, "#queue-count")) === `(${i + 1})`, `${i + 1} queued`, 10_000)
    }
    const queued = async () => ((await player()).body.queue as ReadonlyArray<{ url: string }>).map((t) => t.url)
    await page.getByRole("button", { name: "Move b660 down" }).click()
    await until(async () => (await textOf(page, "#queue li:first-child .t")) === "a440", "a440 first")
    assert.deepStrictEqual(await queued(), [h.files.url("/a440.ogg"), h.files.url("/b660.ogg")])

    await page.getByRole("button", { name: "Play b660 now" }).click()
    await until(async () => (await textOf(page, "#title")) === "b660", "b660 playing")
    assert.strictEqual((await player()).body.current.url, h.files.url("/b660.ogg"))
    assert.deepStrictEqual(await queued(), [], "the track before it was skipped, as /skipto does")
    await page.fill("#query", h.files.url("/a440.ogg"))
    await page.press("#query", "Enter")
    await until(async () => (await textOf(page, "#queue-count")) === "(1)", "a440 queued again", 10_000)
    await page.getByRole("button", { name: "Remove a440" }).click()
    await until(async () => (await textOf(page, "#queue-count")) === "(0)", "an empty queue", 5000)
    assert.deepStrictEqual(await queued(), [])

    await page.getByLabel("nightcore").check()
    await page.selectOption("#equalizer", "rock")
    await page.selectOption("#loop", "queue")
    await until(async () => {
      const now = (await player()).body
      return now.effects.join() === "nightcore" && now.equalizer.preset === "rock" && now.loop === "queue"
    }, "the sound and the loop set", 5000)

    await page.getByText("Settings", { exact: true }).click()
    await page.selectOption("#dj-role", { label: "DJ" })
    await page.fill("#vote-share", "60")
    await page.getByLabel("Autoplay when the queue ends").check()
    await page.check("#stay")
    await page.fill("#max-queue-length", "250")
    await page.check("#dj-only-seek")
    await page.check("#repost")
    await page.fill("#crossfade", "3")
    await page.check("#skip-intro")
    await page.getByRole("button", { name: "Save settings" }).click()
    await page.getByText("Saved.").waitFor(live)
    const cookie = (await context.cookies(h.http)).find((c) => c.name === "reprise_session")!.value
    const settings = await readAnswer(await fetch(`${h.http}/api/v1/guilds/${ids.guild}/settings`, {
      headers: { cookie: `reprise_session=${cookie}` }
    }))
    assert.strictEqual(settings.body.voteSkipRatio, 0.6)
    assert.strictEqual(settings.body.djRoleId, ids.dj, "the role picked by its name")
    assert.isTrue(settings.body.autoplay)
    assert.isTrue(settings.body.stay, "24/7 from its box")
    assert.strictEqual(settings.body.maxQueueLength, 250)
    assert.isNull(settings.body.maxPlaylistSize, "an empty limit is none")
    assert.isTrue(settings.body.djOnly.seek, "seek kept for DJs from its box")
    assert.isTrue(settings.body.djOnly.volume, "the boxes left alone keep what they showed")
    assert.isTrue(settings.body.repost)
    assert.strictEqual(settings.body.crossfade, 3)
    assert.deepStrictEqual(settings.body.sponsorBlock, ["music_offtopic", "intro"], "the default kept, intros added")
    // The steps after this one hear tracks change: plainly, as they were written for.
    const me = await readAnswer(await fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${cookie}` } }))
    const reset = await fetch(`${h.http}/api/v1/guilds/${ids.guild}/settings`, {
      method: "PATCH",
      headers: { cookie: `reprise_session=${cookie}`, "x-csrf-token": me.body.csrfToken, "content-type": "application/json" },
      body: JSON.stringify({ repost: false, crossfade: 0 })
    })
    assert.strictEqual(reset.status, 200)

    // Moving the bar seeks.
    await page.locator("#progress").fill("30000")
    await until(async () => {
      const position = (await player()).body.current.positionMs
      return position >= 29_000 && position < 40_000
    }, "the track at 0:30", 5000)
    assert.isAtLeast(Number(await page.inputValue("#progress")), 29_000)
  })

  it("shows the API's own words when it refuses", async () => {
    // A file the local server does not have: refused without asking any host but ours.
    const bogus = h.files.url("/no-such-file.ogg")
    const cookie = (await context.cookies(h.http)).find((c) => c.name === "reprise_session")!.value
    const csrf = (await readAnswer(await fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${cookie}` } }))).body
      .csrfToken
    await page.fill("#query", bogus)
    await page.press("#query", "Enter")
    await page.locator("#error").waitFor({ state: "visible", timeout: 15_000 })
    const shown = await page.locator("#error").textContent()
    const direct = await readAnswer(await fetch(`${h.http}/api/v1/guilds/${ids.guild}/queue`, {
      method: "POST",
      headers: { cookie: `reprise_session=${cookie}`, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify({ query: bogus })
    }))
    assert.isAtLeast(direct.status, 400)
    assert.strictEqual(shown, direct.body.detail)
  })

  it("fits a 375-pixel phone and a desktop: screenshots of both", async () => {
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: new URL("dashboard-1280.png", artifacts).pathname, fullPage: true })
    await page.setViewportSize({ width: 375, height: 800 })
    await page.waitForTimeout(200)
    const width = await page.evaluate<number>("document.documentElement.scrollWidth")
    assert.isAtMost(width, 375, "nothing scrolls sideways")
    await page.screenshot({ path: new URL("dashboard-375.png", artifacts).pathname, fullPage: true })
    assert.isTrue(existsSync(new URL("dashboard-375.png", artifacts)))
    // The keyboard reaches the controls.
    await page.focus("#skip")
    await page.keyboard.press("Tab")
    assert.strictEqual(await page.evaluate<string>("document.activeElement.id"), "stop")
  })

  // ——— Saved playlists and ratings from the page ———
  it("loads a saved playlist from the page into the queue, and acknowledges a 👍", async () => {
    const cookie = `reprise_session=${(await context.cookies(h.http)).find((c) => c.name === "reprise_session")!.value}`
    const csrf = (await readAnswer(await fetch(`${h.http}/api/v1/me`, { headers: { cookie } }))).body.csrfToken
    const tracks = ["/a440.ogg", "/b660.ogg"].map((path) => ({ title: path.slice(1, -4), location: h.files.url(path), kind: "http" }))
    const imported = await readAnswer(await fetch(`${h.http}/api/v1/guilds/${ids.guild}/playlists/import`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify({ format: "reprise.playlist", version: 1, name: "Drive home", tracks })
    }))
    assert.strictEqual(imported.status, 201, JSON.stringify(imported.body))
    await page.reload()
    await page.waitForSelector("body[data-live=open]")
    const queued = Number((await textOf(page, "#queue-count")).replace(/\D/g, ""))
    await page.getByRole("button", { name: "Load Drive home" }).click()
    await until(async () => (await textOf(page, "#queue-count")) === `(${queued + 2})`, "the playlist queued", 10_000)
    assert.deepStrictEqual((await page.locator("#queue li .t").allTextContents()).slice(-2), ["a440", "b660"])
    assert.deepStrictEqual(((await player()).body.queue as ReadonlyArray<{ url: string }>).slice(-2).map((t) => t.url), [
      h.files.url("/a440.ogg"),
      h.files.url("/b660.ogg")
    ])

    const title = await textOf(page, "#title")
    await page.getByRole("button", { name: "Rate this track up" }).click()
    await page.locator("#rated", { hasText: `👍 Rated ${title}.` }).waitFor(live)
  })
  // ——— end of saved playlists and ratings ———

  it("shows the artwork of what plays, through the bot", async () => {
    assert.strictEqual(await page.locator("#art img").count(), 0, "a tile while the track has no artwork")
    await page.fill("#query", h.files.url("/cover-song.html"))
    await page.press("#query", "Enter")
    const last = page.locator("#queue li").last()
    await last.locator(".t", { hasText: "Cover Song" }).waitFor({ timeout: 15_000 })
    await last.getByRole("button", { name: /^Play .* now$/ }).click()
    await until(async () => (await textOf(page, "#title")).startsWith("Cover Song"), "the page's track playing", 5000)
    await page.locator("#art img.art-tile:not([hidden])").waitFor(live)
    assert.strictEqual(await textOf(page, "#rated"), "", "the last track's rating went with it")
    assert.strictEqual(await page.evaluate<number>("document.querySelector('#art img').naturalWidth"), 96, "decoded")
    // The page is scrolled to the form that added the track; the artwork sits above it.
    await page.locator("#art").scrollIntoViewIfNeeded()
    await page.screenshot({ path: new URL("dashboard-artwork-375.png", artifacts).pathname })
    assert.strictEqual(h.files.requests.filter((r) => r.path === "/cover.png").length, 1, "fetched by the bot, once")
  })

  it("queues an audio file uploaded from the page", async () => {
    const buffer = Buffer.from(await (await fetch(h.files.url("/b660.ogg"))).arrayBuffer())
    await page.setInputFiles("#upload", { name: "From Disk.ogg", mimeType: "audio/ogg", buffer })
    await page.getByRole("button", { name: "Upload and play" }).click()
    await page.locator("#queue li").last().locator(".t", { hasText: "From Disk" }).waitFor({ timeout: 5000 })
    const last = ((await player()).body.queue as ReadonlyArray<{ title: string; source: string }>).at(-1)
    assert.deepInclude(last, { title: "From Disk", source: "file" })
  })

  it("marks the server with music playing in the picker", async () => {
    await page.getByRole("link", { name: "← Servers" }).click()
    await page.waitForURL(`${h.http}/dashboard`)
    const one = page.locator(".guilds li", { hasText: "Guild One" })
    // A page load, not a live update: the picker asks the gateway about each guild first.
    await one.locator(".badge").waitFor({ timeout: 5000 })
    assert.strictEqual(await one.locator(".badge").textContent(), "♪ Playing")
    assert.strictEqual(await page.locator(".guilds li", { hasText: "Guild Two" }).locator(".badge").count(), 0)
  })

  it("asked nothing of any host but the bot once logged in", () => {
    const origin = new URL(h.http).origin
    assert.isAbove(requested.length, 5)
    const elsewhere = requested.filter((url) => new URL(url).origin !== origin)
    assert.deepStrictEqual(elsewhere, [])
  })

  // Last: logging out sends the page to Discord, another host.
  it("goes back with Previous, stops with Stop, and logs out", async () => {
    await page.goto(guildPage())
    await page.waitForSelector("body[data-live=open]")
    const playing = (await player()).body.current.url
    await page.click("#previous")
    await until(async () => (await player()).body.current?.url !== playing, "the previous track", 5000)
    const back = (await player()).body.current
    await until(async () => (await textOf(page, "#title")) === back.title, "the previous track shown")

    await page.click("#stop")
    await until(async () => (await textOf(page, "#title")) === "Nothing is playing", "nothing playing", 5000)
    await eventually(() => h.fake.voiceChannelOf(ids.guild) === null, "the bot out of voice")
    assert.isNull((await player()).body.current)

    const cookie = (await context.cookies(h.http)).find((c) => c.name === "reprise_session")!.value
    await page.click("#logout")
    // Polled, not awaited as one navigation: the page's open requests, refused from now on, may
    // send it to the login too, and a navigation replaced by another is "aborted".
    await until(async () => new URL(page.url()).pathname === "/oauth2/authorize", "Discord's login page", 5000)
    const after = await fetch(`${h.http}/api/v1/me`, { headers: { cookie: `reprise_session=${cookie}` } })
    assert.strictEqual(after.status, 401, "the old session is gone, not only its cookie")
  })
})
