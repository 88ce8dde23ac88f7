/**
 * The egress guard and the image proxy on real sockets, on the two networks of
 * test/support/networks.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Images, sniffImage } from "../../src/http/Images.ts"
import { Egress } from "../../src/resilience/Egress.ts"
import { type HostLookup, UrlGuard } from "../../src/resilience/UrlGuard.ts"
import { answering, private2, serve } from "../support/networks.ts"
import { solidPng } from "../support/png.ts"

const png = solidPng(4, 4, [200, 10, 10])
const limits = { maxBytes: 1024, timeout: "5 seconds" } as const

const egressGet = (url: string, lookup: HostLookup) =>
  Effect.flatMap(Egress, (egress) => egress.get(url, limits)).pipe(
    Effect.provide(Egress.layer({ allowPrivateNetwork: false, lookup, isPrivate: private2 })),
    Effect.exit
  )

const failureOf = <A, E extends { readonly message: string }>(exit: Exit.Exit<A, E>): string =>
  Exit.isFailure(exit) ? exit.cause.reasons.map((r) => r._tag === "Fail" ? r.error.message : String(r)).join() : "succeeded"

describe("the egress guard", () => {
  it.live("checks the address each connection is made to: a name that turns private after its check is refused", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => res.end("secret"))
      const names = answering(["127.0.0.1"], ["127.0.0.2"])
      const exit = yield* egressGet(`http://rebinding.test:${inside.port}/secret`, names.lookup)
      assert.match(failureOf(exit), /private, loopback/)
      assert.isAtLeast(names.calls(), 2, "the name was looked up again to connect")
      assert.deepStrictEqual(inside.paths, [], "nothing reached the private address")
    }))

  it.live("the URL guard's own HEAD is checked where it connects: a name that turns private after its check is refused", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => res.end("secret"))
      const names = answering(["127.0.0.1"], ["127.0.0.2"])
      const guard = UrlGuard.make({ allowPrivateNetwork: false, lookup: names.lookup, isPrivate: private2 })
      const exit = yield* Effect.exit(guard.followRedirects(`http://rebinding.test:${inside.port}/song.mp3`))
      assert.match(failureOf(exit), /private, loopback/)
      assert.isAtLeast(names.calls(), 2)
      assert.strictEqual(inside.connections(), 0)
    }))

  it.live("checks every redirect: a public server that sends the fetch inside is refused", () =>
    Effect.gen(function*() {
      const inside = yield* serve("127.0.0.2", (_, res) => res.end("secret"))
      const outside = yield* serve("127.0.0.1", (_, res) => res.writeHead(302, { location: `${inside.base}/secret` }).end())
      const exit = yield* egressGet(`${outside.base}/cover.png`, answering(["127.0.0.1"]).lookup)
      assert.match(failureOf(exit), /private, loopback/)
      assert.deepStrictEqual(outside.paths, ["/cover.png"])
      assert.deepStrictEqual(inside.paths, [])
    }))

  it.live("follows a public redirect, and stops a body over the limit however it is sent", () =>
    Effect.gen(function*() {
      const outside = yield* serve("127.0.0.1", (req, res) => {
        if (req.url === "/old") return res.writeHead(301, { location: "/new" }).end()
        if (req.url === "/new") return res.end("moved here")
        // No Content-Length: only counting the bytes as they come stops it.
        res.write(Buffer.alloc(800))
        res.end(Buffer.alloc(800))
      })
      const lookup = answering(["127.0.0.1"]).lookup
      const moved = yield* egressGet(`http://outside.test:${outside.port}/old`, lookup)
      assert.isTrue(Exit.isSuccess(moved))
      if (Exit.isSuccess(moved)) assert.strictEqual(Buffer.from(moved.value.body).toString(), "moved here")
      assert.match(failureOf(yield* egressGet(`${outside.base}/big`, lookup)), /more than 1024 bytes/)
    }))

  it.live("a download hands the body on as it comes, with the caller's headers, and fails when it ends short", () =>
    Effect.gen(function*() {
      const agents: Array<string | undefined> = []
      const outside = yield* serve("127.0.0.1", (req, res) => {
        agents.push(req.headers["user-agent"])
        res.writeHead(200, { "content-length": 600 })
        if (req.url === "/whole") return res.end(Buffer.alloc(600))
        // Half of what it promised, then the connection goes.
        res.write(Buffer.alloc(300))
        setTimeout(() => res.destroy(), 20)
      })
      const download = (path: string) => {
        const chunks: Array<Uint8Array> = []
        return Effect.flatMap(Egress, (egress) =>
          egress.download(`${outside.base}${path}`, { ...limits, headers: { "user-agent": "reprise-test" } }, (chunk) =>
            Effect.sync(() => void chunks.push(chunk)))).pipe(
            Effect.provide(Egress.layer({ allowPrivateNetwork: false, lookup: answering(["127.0.0.1"]).lookup, isPrivate: private2 })),
            Effect.exit,
            Effect.map((exit) => ({ exit, received: chunks.reduce((n, c) => n + c.length, 0) }))
          )
      }
      const whole = yield* download("/whole")
      assert.isTrue(Exit.isSuccess(whole.exit))
      if (Exit.isSuccess(whole.exit)) assert.strictEqual(whole.exit.value.bytes, 600)
      assert.strictEqual(whole.received, 600)
      assert.match(failureOf((yield* download("/cut")).exit), /broke off/)
      assert.deepStrictEqual(agents, ["reprise-test", "reprise-test"])
    }))
})

describe("the image proxy", () => {
  const imagesLayer = Images.layer({ maxBytes: 4096 }).pipe(
    Layer.provide(Egress.layer({ allowPrivateNetwork: false, lookup: answering(["127.0.0.1"]).lookup, isPrivate: private2 }))
  )

  it.live("answers an image by its bytes, fetched once for many asks", () =>
    Effect.gen(function*() {
      const host = yield* serve("127.0.0.1", (req, res) => {
        if (req.url === "/cover") return res.writeHead(200, { "content-type": "application/octet-stream" }).end(png)
        if (req.url === "/page") return res.writeHead(200, { "content-type": "text/html" }).end("<svg onload=alert(1)>")
        if (req.url === "/lying") return res.writeHead(200, { "content-type": "image/png" }).end("<html>not a picture</html>")
        res.writeHead(200, { "content-type": "image/svg+xml" }).end("<svg xmlns='http://www.w3.org/2000/svg'/>")
      })
      const images = yield* Images
      const [first, second] = yield* Effect.all([images.get(`${host.base}/cover`), images.get(`${host.base}/cover`)], {
        concurrency: 2
      })
      assert.strictEqual(first.contentType, "image/png", "the type the bytes are, not the header's")
      assert.deepStrictEqual(Buffer.from(second.body), png)
      yield* images.get(`${host.base}/cover`)
      assert.deepStrictEqual(host.paths, ["/cover"], "one fetch")

      for (const path of ["/page", "/lying", "/drawing.svg"]) {
        const exit = yield* Effect.exit(images.get(`${host.base}${path}`))
        assert.isTrue(Exit.isFailure(exit), `${path} is no image`)
      }
    }).pipe(Effect.provide(imagesLayer)))

  it("tells images by their first bytes", () => {
    assert.strictEqual(sniffImage(png), "image/png")
    assert.strictEqual(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.alloc(12)])), "image/jpeg")
    assert.strictEqual(sniffImage(Buffer.from("RIFF\0\0\0\0WEBPVP8 ")), "image/webp")
    assert.strictEqual(sniffImage(Buffer.from("GIF89a\0\0\0\0\0\0")), "image/gif")
    assert.isNull(sniffImage(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>")))
  })
})
