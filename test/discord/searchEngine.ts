/**
 * A stand-in search engine on local HTTP for the e2e files, for the life of the file: yt-dlp's
 * searches sent to it (`searchPrefixOn(base)`) get `searchFeed`'s hits, and each hit is a 30 s
 * 440 Hz tone.
 */
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { searchFeed } from "../resolve/helpers.ts"
import { generateTone } from "../support/audioFixtures.ts"

export const localSearchEngine = (dir: string): { readonly base: () => string } => {
  let server: Server | undefined
  let base = ""
  beforeAll(async () => {
    const tone = readFileSync(await generateTone(dir, { frequency: 440, seconds: 30, format: "ogg", name: "hit" }))
    server = createServer((req, res) => {
      const feed = searchFeed(req.url ?? "/", req.headers.host ?? "127.0.0.1")
      if (feed !== null) return res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed)
      res.writeHead(200, { "content-type": "audio/ogg", "content-length": tone.length }).end(tone)
    })
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => server?.close())
  return { base: () => base }
}
