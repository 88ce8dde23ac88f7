import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Track } from "../../schema/Track.ts"
import { codecFromName, TrackResolver } from "../../src/audio/TrackResolver.ts"
import { user } from "./support/tracks.ts"

const dir = mkdtempSync(join(tmpdir(), "reprise-resolver-"))
const file = join(dir, "song.opus")
writeFileSync(file, "not really audio")

const track = (kind: Track["kind"], location: string) =>
  new Track({
    id: `${kind}:${location}`,
    kind,
    location,
    title: "t",
    author: null,
    durationMs: null,
    artworkUrl: null,
    requester: user
  })

describe("TrackResolver.layerDirect", () => {
  it.effect("plays existing files and http(s) URLs, guessing the codec from the extension", () =>
    Effect.gen(function*() {
      const resolver = yield* TrackResolver
      const local = yield* resolver.playable(track("file", file))
      assert.deepStrictEqual(local, { input: file, httpHeaders: {}, codec: "ogg-opus", expiresAt: null, isLive: false })
      const remote = yield* resolver.playable(track("http", "https://example.org/a/b.webm?x=1"))
      assert.strictEqual(remote.codec, "webm-opus")
      assert.strictEqual(codecFromName("/a/b.MP3"), "unknown")
    }).pipe(Effect.provide(TrackResolver.layerDirect)))

  it.effect("fails clearly for missing files, directories, bad URLs and sources not built yet", () =>
    Effect.gen(function*() {
      const resolver = yield* TrackResolver
      const missing = yield* resolver.playable(track("file", join(dir, "nope.flac"))).pipe(Effect.flip)
      assert.strictEqual(missing.message, "the file does not exist or cannot be read")
      const directory = yield* resolver.playable(track("file", dir)).pipe(Effect.flip)
      assert.strictEqual(directory.message, "the path is not a file")
      const ftp = yield* resolver.playable(track("http", "ftp://example.org/a.mp3")).pipe(Effect.flip)
      assert.include(ftp.message, "not an http(s) URL")
      const youtube = yield* resolver.playable(track("youtube", "https://youtu.be/x")).pipe(Effect.flip)
      assert.strictEqual(youtube.message, "this source is not available yet")
    }).pipe(Effect.provide(TrackResolver.layerDirect)))
})
