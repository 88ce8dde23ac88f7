import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import type { TrackInfo } from "../../src/resolve/Resolution.ts"
import * as Spotify from "../../src/resolve/sources/SpotifySource.ts"
import { makeSourceGuard } from "../../src/resolve/SourceGuard.ts"
import { type Handler, httpServer, settings } from "./helpers.ts"

const track = (id: string, name: string, ms: number, isrc?: string) => ({
  id,
  name,
  duration_ms: ms,
  type: "track",
  artists: [{ name: "The Band" }],
  external_ids: isrc === undefined ? {} : { isrc },
  album: { images: [{ url: `https://img.example/${id}.jpg` }] }
})

/** A fake Spotify: token endpoint, tracks, an album and a playlist, both paginated by two. */
const fakeSpotify = (calls: Array<string>): Handler => (req, res) => {
  const url = new URL(req.url ?? "/", "http://x")
  calls.push(`${req.method} ${url.pathname}${url.search}`)
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(JSON.stringify(body))
  }
  const base = `http://${req.headers.host}/v1`
  if (url.pathname === "/api/token") {
    const ok = req.headers.authorization === `Basic ${Buffer.from("id:secret").toString("base64")}`
    return ok ? json(200, { access_token: "tok", token_type: "Bearer", expires_in: 3600 }) : json(401, {})
  }
  if (req.headers.authorization !== "Bearer tok") return json(401, { error: "bad token" })
  const tracks = Array.from({ length: 5 }, (_, i) => track(`t${i}aaaaaaaaaa`, `Song ${i}`, 200_000 + i * 1000))
  if (url.pathname === "/v1/tracks/t0aaaaaaaaaa") return json(200, track("t0aaaaaaaaaa", "Song Zero", 200_000, "USABC1234567"))
  if (url.pathname === "/v1/tracks/t9aaaaaaaaaa") return json(200, track("t9aaaaaaaaaa", "Long Song", 300_000))
  const offset = Number(url.searchParams.get("offset") ?? 0)
  const page = (items: ReadonlyArray<unknown>, path: string) => ({
    items: items.slice(offset, offset + 2),
    next: offset + 2 < items.length ? `${base}${path}?offset=${offset + 2}&limit=2` : null,
    total: items.length
  })
  if (url.pathname === "/v1/albums/al1aaaaaaaaa") {
    return json(200, { id: "al1aaaaaaaaa", name: "The Album", images: [{ url: "https://img.example/al.jpg" }], tracks: page(tracks.map(({ album: _, ...t }) => t), "/albums/al1aaaaaaaaa/tracks") })
  }
  if (url.pathname === "/v1/albums/al1aaaaaaaaa/tracks") return json(200, page(tracks.map(({ album: _, ...t }) => t), "/albums/al1aaaaaaaaa/tracks"))
  const items = [...tracks.map((t) => ({ track: t })), { track: null }]
  if (url.pathname === "/v1/playlists/pl1aaaaaaaaa") return json(200, { id: "pl1aaaaaaaaa", name: "The Playlist", tracks: page(items, "/playlists/pl1aaaaaaaaa/tracks") })
  if (url.pathname === "/v1/playlists/pl1aaaaaaaaa/tracks") return json(200, page(items, "/playlists/pl1aaaaaaaaa/tracks"))
  return json(404, { error: "not found" })
}

const candidate = (id: string, title: string, seconds: number): TrackInfo => ({
  id: `youtube:${id}`,
  kind: "youtube",
  location: `https://www.youtube.com/watch?v=${id}`,
  title,
  author: "The Band",
  durationMs: seconds * 1000,
  artworkUrl: null
})

const makeSource = (base: string, searches: Array<string>, withCredentials = true) =>
  Effect.gen(function*() {
    const s = settings({
      spotify: {
        clientId: withCredentials ? "id" : null,
        clientSecret: withCredentials ? Redacted.make("secret") : null,
        apiBase: `${base}/v1`,
        accountsBase: base,
        matchTolerance: Duration.seconds(3)
      }
    })
    const guard = yield* makeSourceGuard({ retry: s.retry, breaker: s.breaker })
    return yield* Spotify.make({
      settings: s,
      guard,
      search: (text) =>
        Effect.sync(() => {
          searches.push(text)
          // The ISRC search finds only a 10-minute extended mix; the title search also the right one.
          return text.includes("USABC1234567")
            ? [candidate("extended000", "The Band - Song Zero (Extended Mix)", 600)]
            : [candidate("wrongdur000", "The Band - Song Zero (Live)", 208), candidate("rightdur000", "The Band - Song Zero", 201)]
        }),
      play: (match) => Effect.succeed({ input: match.location, httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false })
    })
  })

describe("Spotify source against a fake Web API", () => {
  it.live("a track: token once, metadata, match by duration (wrong-duration candidates rejected)", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const searches: Array<string> = []
      const server = yield* httpServer(fakeSpotify(calls))
      const spotify = yield* makeSource(server.base, searches)
      const resolved = yield* spotify.resolve("track", "t0aaaaaaaaaa", 1000)
      const t = resolved.tracks[0]!
      assert.deepStrictEqual([t.id, t.kind, t.title, t.author, t.durationMs], ["spotify:t0aaaaaaaaaa", "spotify", "Song Zero", "The Band", 200_000])
      const match = yield* spotify.match(t)
      // ISRC tried first; its only candidate is 400 s off, so the title search decides: the 8 s-off
      // "Live" version is rejected too, the 1 s-off one is chosen.
      assert.strictEqual(match.id, "youtube:rightdur000")
      assert.deepStrictEqual(searches, ["\"USABC1234567\"", "The Band - Song Zero"])
      yield* spotify.resolve("track", "t0aaaaaaaaaa", 1000)
      assert.strictEqual(calls.filter((c) => c.includes("/api/token")).length, 1, "token cached until expiry")
    }).pipe(Effect.scoped))

  it.live("a track plays as its match", () =>
    Effect.gen(function*() {
      const server = yield* httpServer(fakeSpotify([]))
      const spotify = yield* makeSource(server.base, [])
      const resolved = yield* spotify.resolve("track", "t0aaaaaaaaaa", 1000)
      const playable = yield* spotify.playable(resolved.tracks[0]!)
      assert.strictEqual(playable.input, "https://www.youtube.com/watch?v=rightdur000")
    }).pipe(Effect.scoped))

  it.live("no candidate within the tolerance → a clear NotFound", () =>
    Effect.gen(function*() {
      const server = yield* httpServer(fakeSpotify([]))
      const spotify = yield* makeSource(server.base, [])
      const resolved = yield* spotify.resolve("track", "t9aaaaaaaaaa", 1000)
      const e = yield* Effect.flip(spotify.match(resolved.tracks[0]!))
      assert.strictEqual(e.reason._tag, "NotFound")
      assert.match(e.message, /No match for "Long Song"/)
    }).pipe(Effect.scoped))

  it.live("albums and playlists follow pagination, skip removed tracks, and respect the cap", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const server = yield* httpServer(fakeSpotify(calls))
      const spotify = yield* makeSource(server.base, [])
      const album = yield* spotify.resolve("album", "al1aaaaaaaaa", 1000)
      assert.strictEqual(album.tracks.length, 5)
      assert.strictEqual(album.playlist?.title, "The Album")
      assert.strictEqual(album.tracks[4]!.artworkUrl, "https://img.example/al.jpg")
      const playlist = yield* spotify.resolve("playlist", "pl1aaaaaaaaa", 1000)
      assert.deepStrictEqual(playlist.tracks.map((t) => t.title), ["Song 0", "Song 1", "Song 2", "Song 3", "Song 4"])
      assert.isFalse(playlist.playlist?.truncated)
      const capped = yield* spotify.resolve("playlist", "pl1aaaaaaaaa", 3)
      assert.strictEqual(capped.tracks.length, 3)
      assert.isTrue(capped.playlist?.truncated)
      assert.isTrue(calls.some((c) => c.includes("offset=4")), "followed `next` to the last page")
    }).pipe(Effect.scoped))

  it.live("unset credentials: unavailable with a message naming the variables", () =>
    Effect.gen(function*() {
      const spotify = yield* makeSource("http://127.0.0.1:9", [], false)
      const e = yield* Effect.flip(spotify.resolve("track", "t0aaaaaaaaaa", 1000))
      assert.strictEqual(e.reason._tag, "SourceDisabled")
      assert.match(e.message, /SPOTIFY_CLIENT_ID/)
    }))
})
