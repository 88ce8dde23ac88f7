import { pgliteSocketBench } from "./pgliteSocket.ts"
import type { BenchSection } from "./Section.ts"
import { startupBench } from "./startup.ts"

/** Start-up time and the embedded database's connection limits. */
export const foundationSections: ReadonlyArray<BenchSection> = [
  {
    name: "foundation.startup",
    description: "spawn to serving HTTP: embedded database (new, existing folder) and PostgreSQL",
    run: async () => {
      const figures = await startupBench()
      return {
        figures: Object.entries(figures).map(([key, value]) => ({ key: `startup_ms.${key}`, value, unit: "ms" }))
      }
    }
  },
  {
    name: "foundation.pglite",
    description: "pglite-socket: 2,000 concurrent queries at several server limits and pool sizes",
    run: async () => {
      const outcomes = await pgliteSocketBench()
      return {
        figures: Object.entries(outcomes).flatMap(([setup, o]) => [
          { key: `pglite_socket.${setup}.queries_per_second`, value: o.queriesPerSecond, unit: "q/s" },
          { key: `pglite_socket.${setup}.errors`, value: o.errors },
          { key: `pglite_socket.${setup}.wrong_rows`, value: o.wrongRows }
        ]),
        details: outcomes
      }
    }
  }
]
