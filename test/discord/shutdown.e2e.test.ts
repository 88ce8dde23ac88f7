import { assert, describe, it } from "vitest"
import { processGroup } from "../support/audioProcesses.ts"
import { command, eventually, ids, startHarness } from "./harness.ts"

/**
 * Helpers (FFmpeg, ffprobe, yt-dlp) share the bot's process group so that their nice level holds
 * (src/resilience/HelperProcess.ts): a Ctrl-C in the terminal therefore reaches them as well as the bot.
 */
describe("Reprise against the fake Discord: Ctrl-C", () => {
  it("stops cleanly when Ctrl-C reaches the bot and its FFmpeg together, leaving no process behind", async () => {
    const h = await startHarness({ tones: { "/a440.ogg": [440, 60] }, ownProcessGroup: true })
    try {
      await command(h.fake, ids.alice, "play", { query: h.files.url("/a440.ogg") }, /Now playing/)
      await h.fake.waitForRtp(ids.guild, 25, 10_000)
      const group = h.bot.process.pid ?? 0
      assert.isAbove(processGroup(group, "ffmpeg").length, 0, "FFmpeg plays in the bot's process group")

      const interruptedAt = performance.now()
      process.kill(-group, "SIGINT")
      const exit = await h.bot.exited
      assert.deepEqual(exit, { code: 0, signal: null }, h.bot.output())
      assert.isBelow(performance.now() - interruptedAt, 10_000)
      await eventually(() => processGroup(group).length === 0, "every process of the group to be gone", 5000)
      const lines = h.bot.output().split("\n").filter((line) => line !== "")
      // LOG_FORMAT=json: every line, including those logged from discord.js callbacks, is one JSON object.
      const levels = lines.map((line) => {
        try {
          return String((JSON.parse(line) as { level?: unknown }).level)
        } catch {
          return assert.fail(`not a JSON log line: ${line}`)
        }
      })
      assert.include(levels, "INFO")
      assert.notInclude(levels, "ERROR", "a clean stop logs no error")
      assert.notInclude(levels, "WARN", "nor a warning (no track reported failed by the interrupted FFmpeg)")
    } finally {
      await h.stop()
    }
  }, 60_000)
})
