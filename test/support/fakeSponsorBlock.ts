/**
 * A local SponsorBlock server for the tests, answering over real HTTP in the shapes of its API
 * documentation (wiki.sponsor.ajay.app/w/API_Docs, "GET /api/skipSegments/:sha256HashPrefix"),
 * written from the documentation rather than recorded (the tests reach no public host):
 *
 * - `GET /api/skipSegments/<prefix>?categories=["sponsor","music_offtopic"]&actionTypes=["skip"]`
 *   (the prefix: the first 4 to 32 hex digits of SHA-256 of the video id; `categories` and
 *   `actionTypes` JSON arrays in one query parameter each, defaulting to `["sponsor"]` and
 *   `["skip"]`) → 200 with every video whose hash starts with the prefix and has segments of
 *   those categories and action types:
 *   `[{ videoID, hash, segments: [{ segment: [start, end], UUID, category, actionType,
 *   videoDuration, locked, votes, description }] }]`, times in seconds;
 * - no such video → 404 with the body `Not Found` (text, not JSON);
 * - a prefix that is not 4 to 32 hex digits, or a parameter that is not a JSON array → 400.
 *
 * Here a video may also be made to answer badly: `malformed` (broken JSON), `down` (500) or
 * `stall` (no answer at all), chosen per video id, so that guilds can play side by side.
 */
import { createHash } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeSegment {
  readonly segment: readonly [number, number]
  readonly category: string
  readonly actionType?: string
}

export type Behaviour = "normal" | "malformed" | "down" | "stall"

export interface FakeSponsorBlock {
  readonly url: string
  /** Every request's path and query, in order. */
  readonly requests: ReadonlyArray<{ readonly path: string; readonly params: URLSearchParams }>
  /** The segments of each video id. */
  readonly videos: Map<string, ReadonlyArray<FakeSegment>>
  /** How requests whose prefix matches the video id are answered; `normal` when unset. */
  readonly behaviours: Map<string, Behaviour>
  readonly close: () => Promise<void>
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/** Another 11-character video id whose hash starts with the same 4 hex digits as `videoId`'s. */
export const sharingPrefix = (videoId: string): string => {
  const prefix = sha256(videoId).slice(0, 4)
  for (let n = 0;; n++) {
    let id = ""
    for (let k = n, i = 0; i < 11; i++, k = Math.floor(k / 64)) id += alphabet[k % 64]
    if (id !== videoId && sha256(id).startsWith(prefix)) return id
  }
}

const jsonArray = (text: string | null, otherwise: ReadonlyArray<string>): ReadonlyArray<string> | null => {
  if (text === null) return otherwise
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : null
  } catch {
    return null
  }
}

export const startFakeSponsorBlock = async (): Promise<FakeSponsorBlock> => {
  const requests: Array<FakeSponsorBlock["requests"][number]> = []
  const videos = new Map<string, ReadonlyArray<FakeSegment>>()
  const behaviours = new Map<string, Behaviour>()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake")
    requests.push({ path: url.pathname, params: url.searchParams })
    const prefix = /^\/api\/skipSegments\/([0-9a-f]{4,32})$/.exec(url.pathname)?.[1]
    const categories = jsonArray(url.searchParams.get("categories"), ["sponsor"])
    const actionTypes = jsonArray(url.searchParams.get("actionTypes"), ["skip"])
    if (prefix === undefined || categories === null || actionTypes === null) {
      res.writeHead(400, { "content-type": "text/plain" })
      return res.end("Bad Request")
    }
    const behaviour = [...behaviours].find(([id]) => sha256(id).startsWith(prefix))?.[1] ?? "normal"
    if (behaviour === "stall") return
    if (behaviour === "down") {
      res.writeHead(500, { "content-type": "text/plain" })
      return res.end("Internal Server Error")
    }
    const found = [...videos].flatMap(([videoID, segments]) => {
      const hash = sha256(videoID)
      const chosen = segments.filter((s) => categories.includes(s.category) && actionTypes.includes(s.actionType ?? "skip"))
      return hash.startsWith(prefix) && chosen.length > 0
        ? [{
          videoID,
          hash,
          segments: chosen.map((s, i) => ({
            segment: s.segment,
            UUID: sha256(`${videoID}${i}`),
            category: s.category,
            actionType: s.actionType ?? "skip",
            videoDuration: 0,
            locked: 0,
            votes: 3,
            description: ""
          }))
        }]
        : []
    })
    if (found.length === 0) {
      res.writeHead(404, { "content-type": "text/plain" })
      return res.end("Not Found")
    }
    res.writeHead(200, { "content-type": "application/json" })
    res.end(behaviour === "malformed" ? "[{\"videoID\": " : JSON.stringify(found))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    videos,
    behaviours,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
