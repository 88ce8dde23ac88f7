/**
 * A local LRCLIB for the lyrics tests, answering over real HTTP in the shapes of LRCLIB's API
 * documentation (lrclib.net/docs):
 *
 * - `GET /api/get?track_name=…&artist_name=…&album_name=…&duration=…` (duration in seconds) →
 *   200 with one record, or 404 `{ code: 404, name: "TrackNotFound", message: "Failed to find specified track" }`.
 *   Here track and artist must match exactly (ignoring case); album only when given; the
 *   duration within 2 seconds when given.
 * - `GET /api/get/{id}` → 200 with the record of that LRCLIB id, or the same 404.
 * - `GET /api/search?q=…` (or `track_name` / `artist_name`) → 200 with an array of records,
 *   possibly empty. Here every word of `q` must appear in the track, artist or album name.
 *
 * A record is `{ id, trackName, artistName, albumName, duration, instrumental, plainLyrics, syncedLyrics }`;
 * `syncedLyrics` is LRC text (`[01:23.45] words` a line), `plainLyrics` plain text, either may
 * be null, and `instrumental` is true for a track without words.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface LrclibRecord {
  readonly id: number
  readonly trackName: string
  readonly artistName: string
  readonly albumName: string
  readonly duration: number
  readonly instrumental: boolean
  readonly plainLyrics: string | null
  readonly syncedLyrics: string | null
}

/** How the fake answers every request: as LRCLIB would, with broken JSON, or never. */
export type Behaviour = "normal" | "malformed" | "stall"

export interface FakeLrclib {
  readonly url: string
  readonly requests: ReadonlyArray<{ readonly path: string; readonly params: URLSearchParams; readonly headers: IncomingHttpHeaders }>
  records: ReadonlyArray<LrclibRecord>
  behaviour: Behaviour
  readonly close: () => Promise<void>
}

const notFound = { code: 404, name: "TrackNotFound", message: "Failed to find specified track" }

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

export const startFakeLrclib = async (records: ReadonlyArray<LrclibRecord>): Promise<FakeLrclib> => {
  const requests: Array<FakeLrclib["requests"][number]> = []
  const state: { records: ReadonlyArray<LrclibRecord>; behaviour: Behaviour } = { records, behaviour: "normal" }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake")
    requests.push({ path: url.pathname, params: url.searchParams, headers: req.headers })
    if (state.behaviour === "stall") return
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(state.behaviour === "malformed" ? "{\"id\": 1, \"trackName\": " : JSON.stringify(body))
    }
    const p = url.searchParams
    const byId = /^\/api\/get\/(\d+)$/.exec(url.pathname)
    if (byId !== null) {
      const found = state.records.find((r) => r.id === Number(byId[1]))
      return found === undefined ? json(404, notFound) : json(200, found)
    }
    if (url.pathname === "/api/get") {
      const track = p.get("track_name")
      const artist = p.get("artist_name")
      if (track === null || artist === null) {
        return json(400, { code: 400, name: "QueryParamsInvalid", message: "track_name and artist_name are required" })
      }
      const album = p.get("album_name")
      const duration = p.get("duration")
      const found = state.records.find((r) =>
        same(r.trackName, track) && same(r.artistName, artist) && (album === null || same(r.albumName, album)) &&
        (duration === null || Math.abs(r.duration - Number(duration)) <= 2)
      )
      return found === undefined ? json(404, notFound) : json(200, found)
    }
    if (url.pathname === "/api/search") {
      const words = (p.get("q") ?? "").toLowerCase().split(/\s+/).filter((w) => w !== "")
      const track = p.get("track_name")?.toLowerCase()
      const artist = p.get("artist_name")?.toLowerCase()
      return json(200, state.records.filter((r) => {
        const all = `${r.trackName} ${r.artistName} ${r.albumName}`.toLowerCase()
        return words.every((w) => all.includes(w)) &&
          (track === undefined || r.trackName.toLowerCase().includes(track)) &&
          (artist === undefined || r.artistName.toLowerCase().includes(artist))
      }))
    }
    json(404, { code: 404, name: "NotFound", message: "Not found" })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get records() {
      return state.records
    },
    set records(next) {
      state.records = next
    },
    get behaviour() {
      return state.behaviour
    },
    set behaviour(next) {
      state.behaviour = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A record with sensible defaults. */
export const record = (fields: Partial<LrclibRecord> & Pick<LrclibRecord, "id" | "trackName" | "artistName">): LrclibRecord => ({
  albumName: "An Album",
  duration: 180,
  instrumental: false,
  plainLyrics: null,
  syncedLyrics: null,
  ...fields
})
