/**
 * The egress proxy with the real FFmpeg behind it, on the two networks of test/support/networks.ts.
 * The public server is reached by names only the proxy's injected lookup knows (`public.test`),
 * so a track that plays came through the proxy: FFmpeg alone could not resolve them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AudioPipeline } from "../../src/audio/AudioPipeline.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { EgressProxy } from "../../src/resilience/EgressProxy.ts"
import { type HostLookup, UrlGuard } from "../../src/resilience/UrlGuard.ts"
import { pipelineRequest, playable } from "../support/audioPipeline.ts"
import { answering, headOnlyHonest, private2, serve } from "../support/networks.ts"
import { toneMp3 } from "../resolve/helpers.ts"

const mp3 = toneMp3()
const sendMp3 = (res: import("node:http").ServerResponse) =>
  res.writeHead(200, { "content-type": "audio/mpeg", "content-length": mp3.length }).end(mp3)

/** A second of Opus in Ogg, which the pipeline passes through at the source's level. */
const opus = (() => {
  const file = join(mkdtempSync(join(tmpdir(), "reprise-opus-")), "tone.ogg")
  execFileSync("ffmpeg", ["-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libopus", file])
  return readFileSync(file)
})()

/**
 * Plays `url` to its end through a proxy on `lookup`: how many packets came, or the pipeline's
 * reason. `passthrough`: an Ogg Opus file at the source's level, which Node reads itself.
 */
const play = (url: string, lookup: HostLookup, options: { readonly passthrough?: boolean; readonly startMs?: number } = {}) =>
  Effect.gen(function*() {
    const proxy = yield* EgressProxy.make({ allowPrivateNetwork: false, lookup, isPrivate: private2 })
    const source = playable(url, options.passthrough === true ? "ogg-opus" : "unknown")
    const request = pipelineRequest(source, { startMs: options.startMs ?? 0 })
    return yield* AudioPipeline.use((p) => Stream.runCount(p.open(request))).pipe(
      Effect.provide(FfmpegPipeline.layer({ httpProxy: proxy.url, ...(options.passthrough === true ? { referenceGain: 1 } : {}) })),
      Effect.mapError((e) => e.reason),
      Effect.exit
    )
  })

/** A certificate for `public.test`, made for the run (FFmpeg does not verify it, as by default). */
const selfSigned = () => {
  const dir = mkdtempSync(join(tmpdir(), "reprise-tls-"))
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=public.test", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")
  ], { stdio: "ignore" })
  return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }
}

describe("the egress proxy, for FFmpeg", () => {
  it.live("plays an ordinary public URL through it, by a name only the proxy resolves", () =>
    Effect.gen(function*() {
      const outside = yield* serve("127.0.0.1", (_, res) => sendMp3(res))
      const names = answering(["127.0.0.1"])
      const exit = yield* play(`http://public.test:${outside.port}/tone.mp3`, names.lookup)
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      // A second of audio is 50 packets of 20 ms.
      if (Exit.isSuccess(exit)) assert.isAtLeast(exit.value, 45)
      assert.deepStrictEqual(outside.paths.slice(0, 1), ["/tone.mp3"])
      assert.isAtLeast(names.calls(), 1)
    }))

  it.live("plays an https URL through a CONNECT tunnel, and tunnels nowhere private", () =>
    Effect.gen(function*() {
      const tls = selfSigned()
      const server = yield* Effect.acquireRelease(
        Effect.callback<import("node:https").Server>((resume) => {
          const s = createHttpsServer(tls, (_, res) => sendMp3(res))
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const port = (server.address() as AddressInfo).port
      const exit = yield* play(`https://public.test:${port}/tone.mp3`, answering(["127.0.0.1"]).lookup)
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      if (Exit.isSuccess(exit)) assert.isAtLeast(exit.value, 45)

      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      const refused = yield* play(`https://inside.test:${inside.port}/tone.mp3`, answering(["127.0.0.2"]).lookup)
      assert.isTrue(Exit.isFailure(refused))
      assert.strictEqual(inside.connections(), 0, "no tunnel reached the private address")
    }))

  it.live("a server that answers HEAD but redirects the GET inside: FFmpeg gets nothing from there", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      const outside = yield* serve("127.0.0.1", headOnlyHonest(mp3, `${inside.base}/secret.mp3`))
      const exit = yield* play(`${outside.base}/song.mp3`, answering(["127.0.0.1"]).lookup)
      assert.deepStrictEqual(exit, Exit.fail("the source refused access (HTTP 403); its link may have expired"))
      assert.include(outside.paths, "/song.mp3")
      assert.strictEqual(inside.connections(), 0)
    }))

  it.live("a name checked public that turns private (DNS rebinding) is refused when FFmpeg connects", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      const names = answering(["127.0.0.1"], ["127.0.0.2"])
      const url = `http://rebinding.test:${inside.port}/tone.mp3`
      const checked = yield* UrlGuard.make({ allowPrivateNetwork: false, lookup: names.lookup, isPrivate: private2 }).check(url)
      assert.strictEqual(checked.hostname, "rebinding.test", "public at the check")
      const exit = yield* play(url, names.lookup)
      assert.isTrue(Exit.isFailure(exit))
      assert.isAtLeast(names.calls(), 2, "looked up again, by the proxy, for the connection")
      assert.strictEqual(inside.connections(), 0)
    }))

  it.live("an HLS playlist's private segments are never fetched, nor a tcp:// one opened", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => sendMp3(res))
      const m3u8 = (...segments: ReadonlyArray<string>) =>
        ["#EXTM3U", "#EXT-X-TARGETDURATION:1", ...segments.flatMap((s) => ["#EXTINF:1,", s]), "#EXT-X-ENDLIST", ""].join("\n")
      const playlists: Record<string, string> = {
        "/live.m3u8": m3u8(`${inside.base}/seg0.mp3`, `http://inside.test:${inside.port}/seg1.mp3`),
        // FFmpeg's HLS demuxer opens http segments only; the whitelist has no udp or rtp to name.
        "/raw.m3u8": m3u8(`tcp://127.0.0.2:${inside.port}/seg0.mp3`)
      }
      const outside = yield* serve("127.0.0.1", (req, res) =>
        res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl" }).end(playlists[req.url ?? ""] ?? ""))
      const names: HostLookup = (host) => Effect.succeed(host === "inside.test" ? ["127.0.0.2"] : ["127.0.0.1"])
      for (const path of Object.keys(playlists)) {
        const exit = yield* play(`${outside.base}${path}`, names)
        assert.isTrue(Exit.isFailure(exit), path)
      }
      assert.deepStrictEqual(outside.paths, ["/live.m3u8", "/raw.m3u8"])
      assert.strictEqual(inside.connections(), 0)
    }))

  it.live("what Node reads itself goes through it too: a passed-through file and a seek's question about byte ranges", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => res.writeHead(200, { "content-type": "audio/ogg" }).end(opus))
      const outside = yield* serve("127.0.0.1", (req, res) =>
        req.url === "/tone.ogg"
          ? res.writeHead(200, { "content-type": "audio/ogg", "content-length": opus.length }).end(opus)
          : res.writeHead(302, { location: `${inside.base}/secret.ogg` }).end())
      const names = answering(["127.0.0.1"])
      const passed = yield* play(`http://public.test:${outside.port}/tone.ogg`, names.lookup, { passthrough: true })
      assert.isTrue(Exit.isSuccess(passed), String(passed))
      if (Exit.isSuccess(passed)) assert.isAtLeast(passed.value, 45)

      const redirected = yield* play(`${outside.base}/moved.ogg`, names.lookup, { passthrough: true })
      assert.isTrue(Exit.isFailure(redirected))
      // From 0:00.5 FFmpeg seeks, after the bot has asked (a one-byte range) whether the server allows it.
      yield* play(`${outside.base}/moved.ogg`, names.lookup, { startMs: 500 })
      assert.deepStrictEqual(outside.paths.filter((p) => p === "/moved.ogg").length, 3)
      assert.strictEqual(inside.connections(), 0)
    }))
})
