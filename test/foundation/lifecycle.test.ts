import { assert, describe, it } from "@effect/vitest"
import { createServer, type Server } from "node:http"
import { freePort, isListening, startProgram } from "../support/program.ts"
import { tempDir } from "../support/database.ts"
import { otlpReceiver } from "../support/otlp.ts"

const token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gx-never-print-me.abcdefghijklmnopqrstuvwxyz"

/** A Discord REST stand-in that rejects every token, as Discord does for a reset one. */
const rejectingDiscord = async (): Promise<{ readonly server: Server; readonly apiBase: string }> => {
  const server = createServer((_request, response) => {
    response.writeHead(401, { "content-type": "application/json" })
    response.end(JSON.stringify({ message: "401: Unauthorized", code: 0 }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no address")
  return { server, apiBase: `http://127.0.0.1:${address.port}/api` }
}

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "")

describe("the program (npm start)", () => {
  it("exits at once with one line when DISCORD_TOKEN is missing", async () => {
    const program = startProgram({ DATA_DIR: tempDir("no-token") })
    const exit = await program.exited
    assert.strictEqual(exit.code, 1)
    const output = lines(program.output())
    assert.strictEqual(output.length, 1, program.output())
    assert.match(output[0]!, /^reprise: DISCORD_TOKEN is not set: .*\.env/)
  })

  it("stops on bad configuration with one line per problem and no stack trace", async () => {
    const program = startProgram({ DISCORD_TOKEN: token, HTTP_PORT: "http", LOG_LEVEL: "chatty" })
    const exit = await program.exited
    assert.strictEqual(exit.code, 1)
    assert.deepStrictEqual(lines(program.output()).map((line) => line.split(" ").slice(0, 2).join(" ")), [
      "reprise: HTTP_PORT",
      "reprise: LOG_LEVEL"
    ])
    assert.notMatch(program.output(), /\n\s+at /, "no stack trace")
    assert.notInclude(program.output(), token)
  })

  it("serves HTTP while Discord is unreachable, retries with backoff, and shuts down cleanly", async () => {
    const dataDir = tempDir("lifecycle")
    const [httpPort, discordPort] = await Promise.all([freePort(), freePort()])
    const otlp = await otlpReceiver()
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      DISCORD_TOKEN: token,
      DISCORD_API_BASE: `http://127.0.0.1:${discordPort}/api`,
      DATA_DIR: dataDir,
      HTTP_PORT: String(httpPort),
      LOG_LEVEL: "debug"
    }
    const first = startProgram(env)
    await first.waitForOutput(/Reprise is up/, 30_000)
    const databaseAddress = /"address":"127\.0\.0\.1:(\d+)"/.exec(first.output())
    assert.isNotNull(databaseAddress, "the embedded database logs its loopback address")

    const health = await fetch(`http://127.0.0.1:${httpPort}/api/health`)
    assert.strictEqual(health.status, 200)
    // The database is migrated in the background, a moment after the program is up; Discord never comes.
    const failing = async () => {
      const ready = await fetch(`http://127.0.0.1:${httpPort}/api/ready`)
      assert.strictEqual(ready.status, 503)
      return (await ready.json() as { failing: Array<string> }).failing
    }
    let notReady = await failing()
    for (let i = 0; i < 100 && notReady.includes("database"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      notReady = await failing()
    }
    assert.deepStrictEqual(notReady, ["discord"])

    // Two failed attempts at least a second apart: it keeps trying, with growing delays.
    await first.waitForOutput(/cannot reach Discord[\s\S]*cannot reach Discord/, 15_000)

    const stopping = performance.now()
    first.process.kill("SIGTERM")
    const exit = await first.exited
    const stopMs = performance.now() - stopping
    assert.strictEqual(exit.code, 0, first.output())
    assert.isBelow(stopMs, 10_000)
    assert.isFalse(await isListening(httpPort), "the HTTP port is released")
    assert.isFalse(await isListening(Number(databaseAddress![1])), "the embedded database port is released")
    assert.include(first.output(), "disconnected from Discord")
    assert.notInclude(first.output(), token, "the token never reaches the log")
    assert.notInclude(first.output(), "never-print-me")
    // Spans went to the OTLP endpoint (flushed at shutdown at the latest), and carry no secret.
    assert.include(otlp.received(), "Database.migrate")
    assert.include(otlp.received(), "DiscordGateway.login")
    assert.notInclude(otlp.received(), "never-print-me")
    otlp.server.close()

    // Started again on the same data: the migrations were recorded and are not re-applied.
    const second = startProgram(env)
    await second.waitForOutput(/Reprise is up/, 30_000)
    assert.notInclude(second.output(), "applied migrations")
    second.process.kill("SIGINT")
    assert.strictEqual((await second.exited).code, 0)
  }, 90_000)

  it("stops with a clear message when Discord rejects the token", async () => {
    const discord = await rejectingDiscord()
    const httpPort = await freePort()
    const program = startProgram({
      DISCORD_TOKEN: token,
      DISCORD_API_BASE: discord.apiBase,
      DATA_DIR: tempDir("rejected"),
      HTTP_PORT: String(httpPort)
    })
    const exit = await program.exited
    discord.server.close()
    assert.strictEqual(exit.code, 1)
    assert.match(program.output(), /^reprise: Discord rejected DISCORD_TOKEN \(401 Unauthorized\)/m)
    assert.notMatch(program.output(), /\n\s+at /, "no stack trace")
    assert.notInclude(program.output(), token)
    assert.isFalse(await isListening(httpPort))
  }, 60_000)
})
