import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs"
import { execFileSync } from "node:child_process"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { ChildProcessSpawner } from "effect/process"
import * as LocalLibrary from "../../src/resolve/sources/LocalLibrary.ts"
import { isPrivateAddress, UrlGuard } from "../../src/resilience/UrlGuard.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { resolverWith, settings, trackInfo } from "./helpers.ts"

/** A fake resolver: never touches DNS. */
const lookup = (host: string) =>
  Effect.succeed(
    host === "intranet.example" ? ["10.1.2.3"] : host === "sneaky.example" ? ["93.184.215.14", "fd00::1"] : ["93.184.215.14"]
  )

const refused = (allowPrivateNetwork: boolean, url: string) =>
  Effect.flip(UrlGuard.make({ allowPrivateNetwork, lookup }).check(url)).pipe(Effect.map((e) => e.message))

describe("SSRF guard", () => {
  it.effect("refuses loopback, private, link-local/metadata, IPv6 local and mapped forms, with a clear message", () =>
    Effect.gen(function*() {
      for (
        const url of [
          "http://127.0.0.1/a.mp3",
          "http://127.1.2.3:8080/",
          "http://2130706433/",
          "http://0x7f.1/",
          "http://10.0.0.5/x",
          "http://192.168.1.10/",
          "http://172.20.0.1/",
          "http://169.254.169.254/latest/meta-data/",
          "http://100.100.100.200/",
          "http://[::1]/",
          "http://[::ffff:127.0.0.1]/",
          "http://[::ffff:a9fe:a9fe]/",
          "http://[fd00:ec2::254]/",
          "http://[fe80::1]/",
          "http://[64:ff9b::a00:1]/",
          "http://localhost:3000/",
          "http://intranet.example/song.mp3",
          "http://sneaky.example/"
        ]
      ) {
        const message = yield* refused(false, url)
        assert.match(message, /private, loopback, link-local or metadata/, url)
        assert.match(message, /SOURCES_ALLOW_PRIVATE_NETWORK/, url)
      }
    }))

  it.effect("refuses other schemes and credentials", () =>
    Effect.gen(function*() {
      assert.match(yield* refused(false, "file:///etc/passwd"), /Only http and https .* \(not file:\/\/\)/)
      assert.match(yield* refused(false, "ftp://example.com/a.mp3"), /not ftp:\/\//)
      assert.match(yield* refused(true, "file:///etc/passwd"), /Only http and https/)
      assert.match(yield* refused(false, "http://user:pw@example.com/"), /credentials/)
    }))

  it.effect("allows public hosts, and the LAN when opted in", () =>
    Effect.gen(function*() {
      const strict = UrlGuard.make({ allowPrivateNetwork: false, lookup })
      assert.strictEqual((yield* strict.check("https://example.com/a.mp3")).hostname, "example.com")
      const lan = UrlGuard.make({ allowPrivateNetwork: true, lookup })
      assert.strictEqual((yield* lan.check("http://192.168.1.10:8096/a.flac")).hostname, "192.168.1.10")
      assert.strictEqual((yield* lan.check("http://intranet.example/song.mp3")).hostname, "intranet.example")
    }))

  it("classifies addresses", () => {
    assert.isFalse(isPrivateAddress("8.8.8.8"))
    assert.isFalse(isPrivateAddress("2606:4700::1111"))
    assert.isTrue(isPrivateAddress("::"))
    assert.isTrue(isPrivateAddress("fc00::1"))
    assert.isTrue(isPrivateAddress("2002:7f00:1::"), "6to4 of 127.0.0.1")
    assert.isTrue(isPrivateAddress("not-an-ip"))
  })
})

describe("local library", () => {
  const root = mkdtempSync(join(tmpdir(), "reprise-music-"))
  const outside = mkdtempSync(join(tmpdir(), "reprise-outside-"))
  mkdirSync(join(root, "Album"))
  execFileSync("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", "-metadata", "title=Morning Tune", join(root, "Album", "morning_tune.mp3")])
  writeFileSync(join(outside, "secret.mp3"), "not yours")
  symlinkSync(join(outside, "secret.mp3"), join(root, "escape.mp3"))
  symlinkSync(outside, join(root, "linked-dir"))

  const library = Effect.map(Effect.service(ChildProcessSpawner.ChildProcessSpawner), (spawner) =>
    LocalLibrary.make({ spawner, settings: settings({ musicDir: root }) }))

  it.effect("finds files by name and plays them", () =>
    Effect.gen(function*() {
      const lib = yield* library
      const found = yield* lib.resolve("morning")
      assert.strictEqual(found.tracks[0]!.location, "Album/morning_tune.mp3")
      assert.strictEqual(found.tracks[0]!.title, "Morning Tune")
      const playable = yield* lib.playable(found.tracks[0]!)
      assert.isTrue(playable.input.endsWith("/Album/morning_tune.mp3"))
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("refuses paths out of MUSIC_DIR: ../, absolute, symlinked file and folder", () =>
    Effect.gen(function*() {
      const lib = yield* library
      for (const p of ["../../etc/passwd", "Album/../../x.mp3", "/etc/passwd", "escape.mp3", "linked-dir/secret.mp3"]) {
        const e = yield* Effect.flip(lib.resolvePath(p))
        assert.strictEqual(e.reason._tag, "Rejected", p)
        assert.match(e.message, /outside the music library/)
      }
      const viaQuery = yield* Effect.flip(lib.resolve("../../etc/passwd"))
      assert.strictEqual(viaQuery.reason._tag, "Rejected")
      const viaTrack = yield* Effect.flip(lib.playable(trackInfo("local", "../secret.mp3", "local:x")))
      assert.strictEqual(viaTrack.reason._tag, "Rejected")
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("is off, with a clear message, when MUSIC_DIR is unset", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const lib = LocalLibrary.make({ spawner, settings: settings() })
      const e = yield* Effect.flip(lib.search("x", 5))
      assert.match(e.message, /MUSIC_DIR/)
    }).pipe(Effect.provide(NodeServices.layer)))
})

describe("URLs that yt-dlp hands back", () => {
  it.live("a playlist entry pointing at a private address is refused before yt-dlp runs", () => {
    const { layer, spawner } = resolverWith({ allowPrivateNetwork: false })
    return Effect.gen(function*() {
      const resolver = yield* Resolver
      const error = yield* Effect.flip(resolver.playable(trackInfo("ytdlp", "http://10.1.2.3/episode.mp3", "feed-entry-1")))
      assert.match(error.message, /private, loopback, link-local or metadata/)
      assert.strictEqual(spawner.ytdlpRuns(), 0)
    }).pipe(Effect.provide(layer))
  })
})
