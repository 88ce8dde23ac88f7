import { chmodSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { tempDir } from "../support/database.ts"
import { rssFeed } from "../resolve/helpers.ts"
import { analyse } from "../fake-discord/ReceivedAudio.ts"
import { blockHarness, command, ids } from "./harness.ts"

const episodes = 60
const cap = 40
const lineDelayMs = 150

/**
 * The real yt-dlp, with the lines of a playlist load (`--flat-playlist`) let through one every
 * `lineDelayMs`. A local feed is read in one request, so its load would end before a voice
 * connection is even up; a YouTube playlist arrives page by page. The pacing makes the order of
 * "first track plays" and "last batch queued" observable.
 */
const pacedYtDlp = (dir: string): string => {
  const path = join(dir, "paced-yt-dlp.mjs")
  writeFileSync(
    path,
    `#!${process.execPath}
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
const args = process.argv.slice(2)
const delay = args.includes("--flat-playlist") && args.includes("-j") ? ${lineDelayMs} : 0
const child = spawn("yt-dlp", args, { stdio: ["ignore", "pipe", "inherit"] })
let chain = Promise.resolve()
createInterface({ input: child.stdout }).on("line", (line) => {
  const out = () => new Promise((done) => process.stdout.write(line + "\\n", () => done()))
  chain = chain.then(() => new Promise((wait) => setTimeout(wait, delay))).then(out)
})
child.on("close", (code) => chain.then(() => process.exit(code ?? 1)))
process.on("SIGTERM", () => { child.kill("SIGTERM"); process.exit(143) })
`
  )
  chmodSync(path, 0o755)
  return path
}

/** Serves /feed.xml: `episodes` items, each an enclosure of the harness's tone under its own query. */
const startFeedServer = async (toneUrl: string): Promise<{ readonly url: string; readonly server: Server }> => {
  const server = createServer((req, res) => {
    if (req.url !== "/feed.xml") return res.writeHead(404).end()
    res.writeHead(200, { "content-type": "application/rss+xml" })
    res.end(rssFeed("Tone Podcast", episodes, (i) => ({ url: `${toneUrl}?ep=${i}`, length: 100_000 })))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`, server }
}

describe("Reprise against the fake Discord: a playlist", () => {
  const h = blockHarness({
    env: {
      YTDLP_PATH: pacedYtDlp(tempDir("paced-ytdlp")),
      PLAYLIST_BATCH_SIZE: "8",
      MAX_PLAYLIST_SIZE: String(cap)
    },
    tones: { "/tone.ogg": [440, 20] }
  })
  let feed: { readonly url: string; readonly server: Server }

  beforeAll(async () => {
    feed = await startFeedServer(h.files.url("/tone.ogg"))
  })
  afterAll(() => {
    feed?.server.closeAllConnections()
    feed?.server.close()
  })

  it("/play of a feed plays its first episode while the rest loads, shows progress, then the total", async () => {
    const { fake } = h
    const play = fake.sendSlashCommand(ids.guild, ids.alice, "play", { query: feed.url })
    const isLoading = (content: string) => /— loading \d+\/\d+…/.test(content)
    const first = await fake.waitForEditReply(play.token, (e) => e.message.content.startsWith("Now playing"), 20_000)
    // The link is the enclosure's, without the guid yt-dlp smuggles into it (`#__youtubedl_smuggle=…`).
    assert.match(first.message.content, /^Now playing: \[Episode 1\]\(http:[^)#]*\?ep=1\) from \*\*Tone Podcast\*\* — loading 1\/40…$/)
    const audio = await fake.waitForRtp(ids.guild, 1, 15_000)
    const final = await fake.waitForEditReply(play.token, (e) => !isLoading(e.message.content), 20_000)
    assert.match(final.message.content, /^Now playing: \[Episode 1\]\(.*\) and 39 more from \*\*Tone Podcast\*\*$/)
    assert.isBelow(audio.at, final.at, "the first episode was heard before the last batch was queued")
    // Progress while loading: each edit counts further, 2 s apart at the least.
    const edits = fake.messageEvents.filter((e) => e.kind === "edit" && e.token === play.token && e.original)
    if (process.env.E2E_TIMING) {
      const at = (t: number) => Math.round(t - first.at)
      const shown = edits.map((e) => `+${at(e.at)} ${e.message.content}`)
      process.stderr.write(`audio +${at(audio.at)} ms; edits ${shown.join(" | ")}\n`)
    }
    const counts = edits.filter((e) => isLoading(e.message.content))
      .map((e) => Number(/loading (\d+)\//.exec(e.message.content)?.[1]))
    assert.isAtLeast(counts.length, 2, `edits: ${edits.map((e) => e.message.content).join(" | ")}`)
    assert.deepStrictEqual(counts, [...counts].sort((a, b) => a - b))
    // An edit may land after the last batch loaded and before it is queued: "loading 40/40…", never more.
    assert.isAtMost(counts.at(-1)!, cap)
    const gaps = edits.slice(1).map((e, i) => e.at - edits[i]!.at)
    assert.isAtLeast(Math.min(...gaps.slice(0, counts.length - 1)), 1900)
    const lastLoading = edits.filter((e) => isLoading(e.message.content)).at(-1)!
    assert.isAbove(lastLoading.at, audio.at, "the reply still said loading while the first episode was heard")
    assert.approximately(analyse(h.stream(), audio.at).frequency(), 440, 5)
    // The cap (MAX_PLAYLIST_SIZE) held: 1 playing, 39 queued, 20 episodes left out.
    const queue = await command(fake, ids.alice, "queue", {}, /page 1 of 4/)
    assert.include(queue.text, "39 tracks queued")
    assert.include(queue.text, "Episode 2")
    assert.notInclude(queue.text, "Episode 41")
  }, 60_000)
})
