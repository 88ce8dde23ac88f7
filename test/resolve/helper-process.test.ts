import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { readFileSync } from "node:fs"
import { probe } from "../../src/resolve/Probe.ts"
import { HELPER_NICE_LEVEL, helperCommand, helperNotStarted } from "../../src/resilience/HelperProcess.ts"

/** Session id and nice value from a /proc/<pid>/stat line (fields 6 and 19; the name may hold spaces). */
const sessionAndNice = (stat: string) => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return { session: Number(fields[3]), nice: Number(fields[16]) }
}

describe("helper processes", () => {
  it.live("run niced in the bot's own session, where the nice level counts against the event loop", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const stat = yield* spawner.string(helperCommand("cat", ["/proc/self/stat"]))
      const own = sessionAndNice(readFileSync("/proc/self/stat", "utf8"))
      const helper = sessionAndNice(stat)
      assert.strictEqual(helper.session, own.session)
      assert.strictEqual(helper.nice, Math.min(19, own.nice + HELPER_NICE_LEVEL))
    }).pipe(Effect.provide(NodeServices.layer)))

  it.live("a helper that does not exist exits with a code that says it never started", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const code = yield* spawner.exitCode(helperCommand("/nonexistent/helper", []))
      assert.isTrue(helperNotStarted(code))
      assert.isFalse(helperNotStarted(0))
      assert.isFalse(helperNotStarted(1))
    }).pipe(Effect.provide(NodeServices.layer)))

  it.live("an ffprobe that cannot be run is reported as such, not as a file that is not audio", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const options = { source: "file", timeout: Duration.seconds(5), network: false, ffprobePath: "/nonexistent/ffprobe" }
      const error = yield* Effect.flip(probe(spawner, "/etc/hostname", options))
      assert.strictEqual(error.message, "ffprobe could not be run.")
    }).pipe(Effect.provide(NodeServices.layer)))
})
