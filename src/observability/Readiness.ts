import { Context, Effect, Layer, Ref } from "effect"
import type { Check } from "../../schema/System.ts"

/** A readiness probe: succeeds when its dependency can serve, or fails with a short reason. */
export type Probe = Effect.Effect<void, string>

/**
 * The registry of readiness checks. Each component registers its own probe when its layer
 * is built, so `/api/ready` covers exactly what is running.
 */
export class Readiness extends Context.Service<Readiness, {
  readonly register: (name: string, probe: Probe) => Effect.Effect<void>
  readonly run: Effect.Effect<ReadonlyArray<Check>>
}>()("reprise/observability/Readiness") {
  static readonly layer = Layer.effect(
    Readiness,
    Effect.gen(function*() {
      const probes = yield* Ref.make<ReadonlyArray<readonly [string, Probe]>>([])
      const runProbe = ([name, probe]: readonly [string, Probe]) =>
        probe.pipe(
          Effect.timeoutOrElse({ duration: "3 seconds", orElse: () => Effect.fail("did not answer within 3 s") }),
          Effect.match({
            onSuccess: (): Check => ({ name, ok: true, detail: null }),
            onFailure: (detail): Check => ({ name, ok: false, detail })
          })
        )
      return Readiness.of({
        register: (name, probe) =>
          Ref.update(probes, (all) => [...all.filter(([n]) => n !== name), [name, probe] as const]),
        run: Effect.flatMap(Ref.get(probes), (all) => Effect.forEach(all, runProbe, { concurrency: "unbounded" }))
      })
    })
  )

  /** A layer that registers `probe` under `name` (built with the component it watches). */
  static readonly probe = <E, R>(name: string, probe: Effect.Effect<Probe, E, R>) =>
    Layer.effectDiscard(
      Effect.gen(function*() {
        const readiness = yield* Readiness
        yield* readiness.register(name, yield* probe)
      })
    )
}
