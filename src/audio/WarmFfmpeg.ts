import { type Duration, Effect, Exit, Fiber, Option, Scope } from "effect"
import type { ChildProcessSpawner } from "effect/process"

/**
 * An FFmpeg started before a track needs it. Starting FFmpeg costs ~65 ms here, nearly all of it
 * the dynamic loader (Debian's build links 215 shared libraries), and for a track that is a file on
 * this machine (the audio cache, the library, an upload) that start is most of the time from
 * `/play` to the first packet. The spare runs `warmArgs` (FfmpegArgs.ts): it has loaded its
 * libraries and waits on its stdin to be told what to play. Measured: first output 2.6–6.5 ms after
 * the script is written, against 64–70 ms for a cold start (at load 0.1).
 *
 * One spare at most. The first local-file start asks for it (so a bot that has played nothing from
 * disk runs none), each taken spare is replaced at once, and one not taken for `idle` is stopped.
 * Starts faster than FFmpeg can be started (more than one per ~65 ms) go cold: the spare is there
 * for a listener's `/play` or a track change, not for a flood.
 */
export interface WarmFfmpeg {
  /**
   * The spare, now owned by the caller's scope (closing it kills the process), or none when there
   * is none ready; either way a replacement is started.
   */
  readonly take: Effect.Effect<Option.Option<ChildProcessSpawner.ChildProcessHandle>, never, Scope.Scope>
}

interface Spare {
  readonly scope: Scope.Closeable
  readonly handle: ChildProcessSpawner.ChildProcessHandle
  readonly expiry: Fiber.Fiber<void>
}

/** Spares started with `start` (in a scope of their own) within the current scope, which stops the last one. */
export const make = Effect.fnUntraced(function*<E>(
  start: Effect.Effect<ChildProcessSpawner.ChildProcessHandle, E, Scope.Scope>,
  idle: Duration.Input
) {
  const outer = yield* Effect.scope
  let spare: Spare | undefined
  let starting = false

  const warm = Effect.gen(function*() {
    if (spare !== undefined || starting) return
    starting = true
    const scope = yield* Scope.fork(outer)
    const started = yield* Effect.exit(Scope.provide(scope)(start))
    starting = false
    if (Exit.isFailure(started)) {
      yield* Scope.close(scope, Exit.void)
      // A cold start reports what is wrong with FFmpeg, to the listener; here it is only a lost head start.
      return yield* Effect.logDebug("could not start a spare FFmpeg", started.cause)
    }
    const expiry = yield* Effect.forkIn(
      Effect.sleep(idle).pipe(Effect.andThen(Effect.suspend(() => {
        if (spare?.scope !== scope) return Effect.void
        spare = undefined
        return Scope.close(scope, Exit.void)
      }))),
      outer
    )
    spare = { scope, handle: started.value, expiry }
  })

  const take = Effect.gen(function*() {
    const taken = spare
    spare = undefined
    yield* Effect.forkIn(warm, outer)
    if (taken === undefined) return Option.none()
    yield* Fiber.interrupt(taken.expiry)
    // A spare that died while it waited (killed from outside) would fail the track it was given.
    const running = yield* taken.handle.isRunning.pipe(Effect.orElseSucceed(() => false))
    if (!running) {
      yield* Scope.close(taken.scope, Exit.void)
      return Option.none()
    }
    yield* Effect.addFinalizer(() => Scope.close(taken.scope, Exit.void))
    return Option.some(taken.handle)
  })

  return { take } satisfies WarmFfmpeg
})
