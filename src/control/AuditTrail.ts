/**
 * The audit log: every state-changing action of the core is recorded with who did it, in which
 * guild, through which edge, and a small detail, through the background writer (no command waits
 * for it). Reading it is for the people who manage the server.
 */
import { Clock, Context, Effect, Layer, Random } from "effect"
import type { UserId } from "../../schema/Ids.ts"
import { AuditRepo, type AuditRecord } from "../persistence/AuditRepo.ts"
import type { AuditAction } from "./AuditEvents.ts"
import { Writer } from "../persistence/Writer.ts"
import type { Actor } from "./Actor.ts"
import { NotAuditor, type Refusal, refusal, StoreReadUnavailable } from "./Refusal.ts"
import { stored } from "./Stored.ts"

export const auditPageSize = 10

export interface AuditPage {
  readonly entries: ReadonlyArray<AuditRecord>
  readonly page: number
  readonly pages: number
}

export class AuditTrail extends Context.Service<AuditTrail, {
  readonly record: (actor: Actor, action: AuditAction, detail?: Readonly<Record<string, unknown>>) => Effect.Effect<void>
  /** Manage Server only: a page of the guild's log, newest first, optionally by one member or one action. */
  readonly read: (
    actor: Actor,
    options: { readonly userId: UserId | null; readonly action: AuditAction | null; readonly page: number }
  ) => Effect.Effect<AuditPage, Refusal>
}>()("reprise/control/AuditTrail") {
  static readonly layer = Layer.effect(
    AuditTrail,
    Effect.gen(function*() {
      const repo = yield* AuditRepo
      const writer = yield* Writer
      return AuditTrail.of({
        record: (actor, action, detail = {}) =>
          Effect.gen(function*() {
            const now = yield* Clock.currentTimeMillis
            const key = `${actor.guildId}:${now}:${(yield* Random.nextInt).toString(36)}`
            yield* writer.submit(repo.record({
              key,
              guildId: actor.guildId,
              actorId: actor.userId,
              origin: actor.origin,
              action,
              detail,
              at: new Date(now)
            }))
          }),
        read: Effect.fn("AuditTrail.read")(function*(actor, options) {
          if (actor._tag === "Key" || !actor.manager) return yield* refusal(new NotAuditor())
          const page = Math.max(1, options.page)
          const found = yield* repo.page(actor.guildId, {
            actorId: options.userId,
            action: options.action,
            offset: (page - 1) * auditPageSize,
            limit: auditPageSize
          }).pipe(stored({
            warning: "the audit log is unavailable",
            unavailable: new StoreReadUnavailable({ what: "The audit log" }),
            // /audit answers without deferring: its read and the answer fit in Discord's 3 s.
            timeout: "2 seconds"
          }))
          return { entries: found.entries, page, pages: Math.max(1, Math.ceil(found.total / auditPageSize)) }
        })
      })
    })
  )
}

