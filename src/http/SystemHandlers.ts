import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { NotReady } from "../../schema/System.ts"
import { Readiness } from "../observability/Readiness.ts"
import { RepriseApi } from "./Api.ts"

export const SystemHandlers = HttpApiBuilder.group(RepriseApi, "system", (handlers) =>
  Effect.gen(function*() {
    const readiness = yield* Readiness
    return handlers
      .handle("health", () => Effect.sync(() => ({ status: "ok" as const, uptimeSeconds: process.uptime() })))
      .handle("ready", () =>
        Effect.gen(function*() {
          const checks = yield* readiness.run
          const failing = checks.filter((check) => !check.ok).map((check) => check.name)
          if (failing.length > 0) return yield* new NotReady({ failing, checks })
          return { status: "ready" as const, checks }
        }))
  }))
