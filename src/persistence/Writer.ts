/**
 * The background writer: everything the bot records while it plays (snapshots, history, ratings,
 * the audit log, when an API key was last used) is handed here and written later, in batches, so
 * that no player and no command ever waits for the database. While the database is down the
 * writes wait in a bounded buffer and are retried with backoff; once it is back every one of them
 * lands. Each statement is idempotent, because a batch that failed halfway is written again whole.
 *
 * A full buffer gives up API keys' last-use times first (the key's next use writes it again), then
 * history, then audit rows, then ratings, oldest first, and counts what it gave up. Snapshots are
 * never given up: pending snapshots of one guild are one write (the newest), so there is at most
 * one per guild.
 */
import { Clock, Context, type Duration, Effect, Layer, Metric, Option, Schedule } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import * as Backoff from "../resilience/Backoff.ts"

export type WriteKind = "snapshot" | "history" | "rating" | "audit" | "key-use"

const dropOrder: ReadonlyArray<WriteKind> = ["key-use", "history", "audit", "rating"]

export interface Write {
  readonly kind: WriteKind
  /** Pending writes with one key are one write: the newest replaces the others (a guild's snapshot). */
  readonly key?: string | undefined
  /** Must be idempotent: written twice, it leaves the same rows as written once. */
  readonly statement: Effect.Effect<unknown, SqlError.SqlError>
}

interface Entry {
  readonly seq: number
  readonly kind: WriteKind
  readonly key: string | undefined
  statement: Write["statement"]
  readonly submittedAt: number
}

const pendingGauge = Metric.gauge("reprise_writes_pending", { description: "Writes waiting for the database" })
const written = Metric.counter("reprise_writes_total", { description: "Writes that reached the database, by kind" })
const dropped = Metric.counter("reprise_writes_dropped_total", {
  description: "Writes given up: the buffer was full (API key uses first, then history), or the database refused the statement"
})
const lag = Metric.histogram("reprise_write_lag_seconds", {
  description: "From a write being handed to the writer to its row being committed",
  boundaries: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
})

export interface WriterOptions {
  /** Writes the buffer holds before it gives some up. Default 10,000. */
  readonly capacity?: number | undefined
  /** Writes per transaction. Default 200. */
  readonly batchSize?: number | undefined
  /** How long a shutdown waits for the last writes. Default 5 seconds. */
  readonly drainTimeout?: Duration.Input | undefined
}

const make = Effect.fnUntraced(function*(options: WriterOptions) {
  const sql = yield* SqlClient.SqlClient
  const capacity = options.capacity ?? 10_000
  const batchSize = options.batchSize ?? 200
  // Only this module touches these; the loop fiber and `submit` interleave only at yields.
  const queue: Array<Entry> = []
  const byKey = new Map<string, Entry>()
  let inFlight = new Set<Entry>()
  let seq = 0
  let doneUpTo = 0
  let wake: (() => void) | null = null
  const counts = { written: 0, givenUp: { snapshot: 0, history: 0, rating: 0, audit: 0, "key-use": 0 } satisfies Record<WriteKind, number> }

  const updateDone = () => {
    doneUpTo = queue.length === 0 ? seq : queue[0]!.seq - 1
  }

  const remove = (entries: ReadonlyArray<Entry>) => {
    const gone = new Set(entries)
    for (let i = queue.length - 1; i >= 0; i--) if (gone.has(queue[i]!)) queue.splice(i, 1)
    for (const entry of entries) if (entry.key !== undefined && byKey.get(entry.key) === entry) byKey.delete(entry.key)
    updateDone()
  }

  /** Makes room for one more: the oldest write of the first kind in `dropOrder` that has one pending. */
  const makeRoom = Effect.suspend(() => {
    for (const kind of dropOrder) {
      const victim = queue.find((e) => e.kind === kind && !inFlight.has(e))
      if (victim !== undefined) {
        remove([victim])
        counts.givenUp[kind]++
        return Metric.update(Metric.withAttributes(dropped, { kind, why: "full" }), 1)
      }
    }
    return Effect.void
  })

  const submit = (write: Write): Effect.Effect<void> =>
    Effect.gen(function*() {
      const pending = write.key === undefined ? undefined : byKey.get(write.key)
      if (pending !== undefined && !inFlight.has(pending)) {
        pending.statement = write.statement
        return
      }
      if (queue.length >= capacity && write.kind !== "snapshot") yield* makeRoom
      const entry: Entry = {
        seq: ++seq,
        kind: write.kind,
        key: write.key,
        statement: write.statement,
        submittedAt: yield* Clock.currentTimeMillis
      }
      queue.push(entry)
      if (entry.key !== undefined) byKey.set(entry.key, entry)
      yield* Metric.update(pendingGauge, queue.length)
      const w = wake
      wake = null
      w?.()
    })

  const committed = (entries: ReadonlyArray<Entry>) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      remove(entries)
      counts.written += entries.length
      for (const entry of entries) {
        yield* Metric.update(Metric.withAttributes(written, { kind: entry.kind }), 1)
        yield* Metric.update(lag, (now - entry.submittedAt) / 1000)
      }
      yield* Metric.update(pendingGauge, queue.length)
    })

  /**
   * Drivers do not always say that the database is away (a database that refuses connections is an
   * "unknown" error): a failure counts as the database's own only while a trivial query still works.
   */
  const reachable = sql`SELECT 1`.pipe(
    Effect.timeout("5 seconds"),
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )
  const classify = (error: SqlError.SqlError) =>
    error.isRetryable
      ? Effect.succeed("away" as const)
      : Effect.map(reachable, (up) => up ? "refused" as const : "away" as const)

  /** A batch the database refused: write its entries one at a time and give up only the ones it refuses. */
  const oneByOne = (entries: ReadonlyArray<Entry>) =>
    Effect.forEach(entries, (entry) =>
      entry.statement.pipe(
        Effect.andThen(committed([entry])),
        Effect.catch((error) =>
          Effect.flatMap(classify(error), (verdict) =>
            verdict === "away"
              ? Effect.fail(error)
              : Effect.logError("a write was refused by the database and given up", { kind: entry.kind }, error).pipe(
                Effect.andThen(Effect.sync(() => {
                  remove([entry])
                  counts.givenUp[entry.kind]++
                })),
                Effect.andThen(Metric.update(Metric.withAttributes(dropped, { kind: entry.kind, why: "refused" }), 1))
              ))
        )
      ), { discard: true })

  const writeBatch = Effect.suspend(() => {
    const batch = queue.slice(0, batchSize)
    inFlight = new Set(batch)
    return sql.withTransaction(Effect.forEach(batch, (e) => e.statement, { discard: true })).pipe(
      Effect.andThen(committed(batch)),
      Effect.catch((error) => Effect.flatMap(classify(error), (verdict) => verdict === "away" ? Effect.fail(error) : oneByOne(batch))),
      Effect.ensuring(Effect.sync(() => void (inFlight = new Set())))
    )
  })

  const waitForWork = Effect.callback<void>((resume) => {
    if (queue.length > 0) return resume(Effect.void)
    wake = () => resume(Effect.void)
  })

  let outage = false
  const loop = Effect.gen(function*() {
    while (true) {
      yield* waitForWork
      yield* writeBatch.pipe(
        Effect.tapError((error) =>
          outage ? Effect.void : Effect.sync(() => void (outage = true)).pipe(
            Effect.andThen(Effect.logWarning("the database is not taking writes; keeping them until it does", error))
          )
        ),
        Effect.retry(Backoff.backoff({ base: "200 millis", max: "5 seconds" })),
        Effect.tap(() =>
          outage
            ? Effect.sync(() => void (outage = false)).pipe(
              Effect.andThen(Effect.logInfo("the database takes writes again", { pending: queue.length }))
            )
            : Effect.void
        )
      )
    }
  })
  yield* Effect.forkScoped(loop)

  /** Waits until every write submitted before the call has landed (or been given up). */
  const flush = Effect.suspend(() => {
    const target = seq
    return Effect.sync(() => doneUpTo >= target).pipe(
      Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("10 millis") }),
      Effect.asVoid
    )
  })

  // Shutdown: the last snapshots and history rows are worth a few seconds.
  yield* Effect.addFinalizer(() =>
    flush.pipe(
      Effect.timeoutOption(options.drainTimeout ?? "5 seconds"),
      Effect.flatMap((done) =>
        Option.isSome(done) ? Effect.void : Effect.logWarning("writes left unwritten at shutdown", { pending: queue.length })
      )
    )
  )

  return Writer.of({
    submit,
    flush,
    pending: Effect.sync(() => queue.length),
    stats: Effect.sync(() => ({ written: counts.written, givenUp: { ...counts.givenUp } }))
  })
})

export class Writer extends Context.Service<Writer, {
  /** Hands a write over; never waits for the database. */
  readonly submit: (write: Write) => Effect.Effect<void>
  /** Waits until everything submitted so far has landed. */
  readonly flush: Effect.Effect<void>
  readonly pending: Effect.Effect<number>
  /** Writes landed, and writes given up by kind, since start. */
  readonly stats: Effect.Effect<{ readonly written: number; readonly givenUp: Readonly<Record<WriteKind, number>> }>
}>()("reprise/persistence/Writer") {
  static readonly layer = (options: WriterOptions = {}) => Layer.effect(Writer, make(options))
}

