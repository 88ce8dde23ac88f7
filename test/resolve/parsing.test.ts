import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import { REFUSED_PRIVATE, UNREACHABLE } from "../../src/resilience/EgressProxy.ts"
import { ytdlpArgs } from "../../src/resolve/ytdlp/YtDlp.ts"
import { classifyStderr, parseEntry, playlistOf, toPlayable, toTrackInfo, unsmuggled } from "../../src/resolve/ytdlp/YtDlpJson.ts"
import { claimQuery } from "../../src/resolve/Source.ts"
import { makeTestSources, settings } from "./helpers.ts"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ytdlp/${name}`, import.meta.url), "utf8")

describe("yt-dlp JSON (recorded fixtures)", () => {
  it.effect("a YouTube video: metadata and a pass-through stream with its expiry", () =>
    Effect.gen(function*() {
      const entry = yield* parseEntry(fixture("youtube-video.json"))
      const info = toTrackInfo(entry, false)
      assert.strictEqual(info.id, "youtube:dQw4w9WgXcQ")
      assert.strictEqual(info.kind, "youtube")
      assert.strictEqual(info.location, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
      assert.strictEqual(info.author, "Rick Astley")
      assert.strictEqual(info.durationMs, 212_000)
      assert.strictEqual(info.artworkUrl, "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg")
      // Seconds become track time; the untitled chapter is numbered as players show it.
      assert.deepStrictEqual(info.chapters, [
        { startMs: 0, endMs: 18_500, title: "Intro" },
        { startMs: 18_500, endMs: 212_000, title: "Chapter 2" }
      ])
      const playable = Option.getOrThrow(toPlayable(entry))
      assert.strictEqual(playable.codec, "webm-opus")
      assert.strictEqual(playable.expiresAt, 1795312800_000)
      assert.isFalse(playable.isLive)
      assert.strictEqual(playable.httpHeaders["Sec-Fetch-Mode"], "navigate")
    }))

  it.effect("a flat playlist: entries, count, and an entry without duration", () =>
    Effect.gen(function*() {
      const entry = yield* parseEntry(fixture("youtube-playlist-flat.json"))
      const playlist = playlistOf(entry, 2)
      assert.deepStrictEqual(playlist, {
        id: "PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
        title: "Top Hits 2024",
        url: "https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI",
        totalCount: 3,
        truncated: true
      })
      const tracks = (entry.entries ?? []).flatMap((e) => (e === null ? [] : [toTrackInfo(e, true)]))
      assert.deepStrictEqual(tracks.map((t) => t.id), ["youtube:aaaaaaaaaaa", "youtube:bbbbbbbbbbb", "youtube:ccccccccccc"])
      assert.strictEqual(tracks[1]!.durationMs, 185_000)
      assert.strictEqual(tracks[2]!.durationMs, null)
      assert.isTrue(Option.isNone(toPlayable(entry.entries![0]!)), "flat entries have no stream URL")
    }))

  it.effect("streamed playlist lines carry the playlist", () =>
    Effect.gen(function*() {
      const lines = fixture("youtube-playlist-lines.jsonl").trim().split("\n")
      const entries = yield* Effect.forEach(lines, parseEntry)
      const playlist = playlistOf(entries[0]!, 1000)
      assert.strictEqual(playlist?.title, "Top Hits 2024")
      assert.strictEqual(playlist?.totalCount, 3)
      assert.isFalse(playlist?.truncated)
      assert.strictEqual(toTrackInfo(entries[1]!, true).location, "https://www.youtube.com/watch?v=bbbbbbbbbbb")
    }))

  it.effect("a search: flat results, a live one without duration", () =>
    Effect.gen(function*() {
      const entry = yield* parseEntry(fixture("youtube-search-flat.json"))
      const results = (entry.entries ?? []).flatMap((e) => (e === null ? [] : [toTrackInfo(e, false)]))
      assert.strictEqual(results.length, 3)
      assert.strictEqual(results[0]!.title, "Rick Astley - Never Gonna Give You Up (Official Music Video)")
      assert.strictEqual(results[0]!.durationMs, 213_000)
      assert.strictEqual(results[2]!.durationMs, null)
    }))

  it.effect("a flat RSS item (generic extractor) has no id: its enclosure URL identifies it", () =>
    Effect.gen(function*() {
      // `yt-dlp -j --flat-playlist --playlist-end 3` of a 5-item feed, yt-dlp 2023.03.04 (Debian), keys trimmed.
      const plain = "http://127.0.0.1:8765/tone/1.mp3"
      const url = `${plain}#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22ep-1%22%7D`
      const entry = yield* parseEntry(JSON.stringify({
        _type: "url_transparent", url, title: "Episode 1", duration: null, thumbnail: null, webpage_url: url,
        original_url: url, playlist_count: 5, playlist: "Test Feed", playlist_id: "http://127.0.0.1:8765/feed.xml",
        playlist_title: "Test Feed", n_entries: 3, playlist_index: 1, extractor: "generic", extractor_key: "Generic"
      }))
      // The smuggled guid only names the entry for yt-dlp: the track is the enclosure, shown and played as is.
      assert.deepStrictEqual(toTrackInfo(entry, true), {
        id: `ytdlp:${plain}`,
        kind: "ytdlp",
        location: plain,
        title: "Episode 1",
        author: null,
        durationMs: null,
        artworkUrl: null
      })
      assert.deepStrictEqual(playlistOf(entry, 3), {
        id: "http://127.0.0.1:8765/feed.xml",
        title: "Test Feed",
        url: null,
        totalCount: 5,
        truncated: true
      })
      assert.isTrue(Option.isNone(toPlayable(entry)), "a flat item is not a stream yet")
    }))

  it("smuggled data that fetching needs (headers) stays with the entry; a guid alone does not", () => {
    const smuggle = (data: object) => `#${new URLSearchParams({ __youtubedl_smuggle: JSON.stringify(data) })}`
    const page = "https://player.example/video/1"
    const withHeaders = `${page}${smuggle({ http_headers: { Referer: "https://blog.example/" } })}`
    assert.strictEqual(unsmuggled(withHeaders), withHeaders)
    assert.strictEqual(unsmuggled(`${page}${smuggle({ force_videoid: "ep-9" })}`), page)
    assert.strictEqual(unsmuggled(`${page}#t=30`), `${page}#t=30`)
  })

  it.effect("`null` (a failed -J) and junk are errors, not crashes", () =>
    Effect.gen(function*() {
      const e1 = yield* Effect.flip(parseEntry("null"))
      assert.strictEqual(e1.reason._tag, "Failed")
      const e2 = yield* Effect.flip(parseEntry("{\"title\": 3}"))
      assert.strictEqual(e2.reason._tag, "Failed")
      const e3 = yield* Effect.flip(parseEntry("{\"title\": \"neither id nor url\"}"))
      assert.strictEqual(e3.reason._tag, "Failed")
    }))
})

describe("yt-dlp stderr", () => {
  it("the bot check points the operator to YTDLP_COOKIES", () => {
    const e = classifyStderr(fixture("bot-check.stderr.txt"), { cookiesSet: false, site: "YouTube" })
    assert.strictEqual(e.reason._tag, "BotCheck")
    assert.match(e.message, /YTDLP_COOKIES/)
    assert.isFalse(e.retryable)
    assert.isTrue(e.sourceFault)
    const again = classifyStderr(fixture("bot-check.stderr.txt"), { cookiesSet: true, site: "YouTube" })
    assert.match(again.message, /expired/)
  })

  it("a region-locked or private video is not found, and not the site's fault", () => {
    for (const name of ["region-locked.stderr.txt", "private.stderr.txt"]) {
      const e = classifyStderr(fixture(name), { cookiesSet: false, site: "YouTube" })
      assert.strictEqual(e.reason._tag, "NotFound", name)
      assert.isFalse(e.retryable, name)
      assert.isFalse(e.sourceFault, `${name} must not open YouTube's circuit`)
    }
  })

  it("unavailable is permanent; 5xx and network errors are transient; 404 is not found", () => {
    const gone = classifyStderr(fixture("unavailable.stderr.txt"), { cookiesSet: false, site: "YouTube" })
    assert.strictEqual(gone.reason._tag, "NotFound")
    assert.isFalse(gone.retryable)
    const e500 = classifyStderr("ERROR: [generic] None: Unable to download webpage: HTTP Error 500: Internal Server Error", {
      cookiesSet: false,
      site: "music.example"
    })
    assert.isTrue(e500.retryable)
    assert.strictEqual(e500.message, "music.example had a temporary problem; please try again.")
    const e404 = classifyStderr("ERROR: [generic] None: Unable to download webpage: HTTP Error 404: Not Found", { cookiesSet: false, site: "YouTube" })
    assert.strictEqual(e404.reason._tag, "NotFound")
    const refused = classifyStderr("ERROR: [generic] Unable to download webpage: <urlopen error [Errno 111] Connection refused>", {
      cookiesSet: false,
      site: "music.example:8443"
    })
    assert.isTrue(refused.retryable)
    assert.strictEqual(refused.message, "Could not reach music.example:8443; please try again.")
    assert.strictEqual(classifyStderr("ERROR: Unsupported URL: https://x.example/", { cookiesSet: false, site: "YouTube" }).reason._tag, "Unsupported")
    // What the egress proxy answers, as yt-dlp shows it.
    const inside = classifyStderr(`ERROR: [generic] Unable to download webpage: HTTP Error 403: ${REFUSED_PRIVATE}`, { cookiesSet: false, site: "x" })
    assert.strictEqual(inside.reason._tag, "UnsafeUrl")
    assert.isFalse(inside.retryable)
    const away = classifyStderr(`ERROR: [generic] Unable to download webpage: HTTP Error 502: ${UNREACHABLE}`, { cookiesSet: false, site: "a.example" })
    assert.strictEqual(away.message, "Could not reach a.example; please try again.")
  })
})

describe("yt-dlp arguments", () => {
  const base = settings().ytdlp
  it("end options before the target, pass cookies, and enable Node as JS runtime only when supported", () => {
    const args = ytdlpArgs({ ...base, cookies: "/c.txt", jsRuntime: "node" }, {
      mode: "full",
      target: "-rf",
      version: "2025.11.12",
      timeout: Duration.seconds(10)
    })
    assert.deepStrictEqual(args.slice(-2), ["--", "-rf"])
    assert.includeMembers([...args], ["--cookies", "/c.txt", "--ignore-config", "-J", "-f", "bestaudio/best"])
    assert.strictEqual(args[args.indexOf("--js-runtimes") + 1], `node:${process.execPath}`)
    const old = ytdlpArgs({ ...base, jsRuntime: "node" }, { mode: "lines", target: "x", version: "2023.03.04", timeout: Duration.seconds(10) })
    assert.notInclude([...old], "--js-runtimes")
  })

  it("go through the egress proxy, whatever proxy the operator's own arguments name", () => {
    const args = ytdlpArgs({ ...base, extraArgs: ["--proxy", "http://elsewhere.example:3128"] }, {
      mode: "full",
      target: "https://x.example/",
      version: null,
      timeout: Duration.seconds(10),
      proxy: "http://127.0.0.1:4000"
    })
    // yt-dlp takes the last of a repeated option.
    assert.strictEqual(args[args.lastIndexOf("--proxy") + 1], "http://127.0.0.1:4000")
    assert.isBelow(args.lastIndexOf("--proxy"), args.indexOf("--"))
  })
})

describe("queries", () => {
  // Which source claims an input, and the key identical queries share.
  const parse = (q: string) =>
    Effect.gen(function*() {
      const { registry } = yield* makeTestSources(settings({ queryMaxLength: 50 }))
      const claim = yield* claimQuery(registry, q)
      return { source: claim.source, key: claim.key }
    })
  it.effect("sorts inputs by source and limits their length", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* parse("  never gonna "), { source: "ytdlp", key: "search:never gonna" })
      assert.deepStrictEqual(yield* parse("https://open.spotify.com/intl-de/album/4aawyAB9vmqN3uQ7FjRGTy?si=x"), {
        source: "spotify",
        key: "spotify:album:4aawyAB9vmqN3uQ7FjRGTy"
      })
      assert.deepStrictEqual(yield* parse("spotify:track:4cOdK2wGLETKBW3PvgPWqT"), {
        source: "spotify",
        key: "spotify:track:4cOdK2wGLETKBW3PvgPWqT"
      })
      assert.strictEqual((yield* parse("https://x.example/a/song.FLAC")).source, "direct")
      assert.strictEqual((yield* parse("https://x.example/live.m3u8")).source, "direct")
      assert.deepStrictEqual(yield* parse("https://youtu.be/dQw4w9WgXcQ"), { source: "ytdlp", key: "url:https://youtu.be/dQw4w9WgXcQ" })
      assert.strictEqual((yield* parse("local:my song")).source, "local")
      assert.strictEqual((yield* Effect.flip(parse("x".repeat(51)))).reason._tag, "InvalidQuery")
      assert.strictEqual((yield* Effect.flip(parse("   "))).reason._tag, "InvalidQuery")
      const long = `https://x.example/${"a".repeat(100)}`
      assert.deepStrictEqual(yield* parse(long), { source: "ytdlp", key: `url:${long}` }, "URLs have their own, longer limit")
    }))
})
