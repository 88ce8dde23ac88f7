/**
 * What the audit log says of each player command that succeeded: a name for the action and a
 * small detail. Pure, so every edge's commands are described the same way.
 */
import { Schema } from "effect"
import type * as Cmd from "../../schema/PlayerCommand.ts"

/** Every action the audit log records; `/audit` filters by them. */
export const AuditAction = Schema.Literals([
  "queued",
  "skipped",
  "skip-vote",
  "previous",
  "seeked",
  "paused",
  "resumed",
  "stopped",
  "removed",
  "moved",
  "shuffled",
  "cleared",
  "loop",
  "volume",
  "effects",
  "equalizer",
  "settings",
  "left",
  "playlist-saved",
  "playlist-added",
  "playlist-removed",
  "playlist-renamed",
  "playlist-deleted",
  "playlist-imported",
  "rated",
  "apikey-created",
  "apikey-revoked"
])
export type AuditAction = typeof AuditAction.Type

export interface AuditEvent {
  readonly action: AuditAction
  readonly detail: Readonly<Record<string, unknown>>
}

const event = (action: AuditAction, detail: Readonly<Record<string, unknown>> = {}): AuditEvent => ({ action, detail })

/** A field of a reply, when the reply has it (each command has its own reply shape). */
const field = (reply: unknown, key: string): unknown =>
  typeof reply === "object" && reply !== null && key in reply ? Reflect.get(reply, key) : undefined

const length = (value: unknown): number => (Array.isArray(value) ? value.length : 0)

/** The audit event of a command and its reply; null for what changes nothing a guild would ask about. */
export const auditEvent = (command: Cmd.UserCommand, r: unknown): AuditEvent | null => {
  switch (command._tag) {
    case "Enqueue":
      return event("queued", {
        count: length(field(r, "added")),
        first: command.tracks[0].title,
        position: command.position
      })
    case "Skip":
    case "SkipTo":
      return event("skipped", {
        count: length(field(r, "skipped")),
        byVote: false,
        ...(command._tag === "SkipTo" ? { to: command.position } : {})
      })
    case "VoteSkip":
      // A listener voting again changed nothing.
      if (field(r, "repeated") === true) return null
      return field(r, "_tag") === "Voted"
        ? event("skip-vote", { votes: field(r, "votes"), needed: command.needed })
        : event("skipped", { count: length(field(r, "skipped")), byVote: true })
    case "Previous":
      return event("previous")
    case "Seek":
      return event("seeked", { positionMs: command.positionMs })
    case "Pause":
      return event("paused")
    case "Resume":
      return event("resumed")
    case "TogglePause":
      return event(field(r, "paused") === true ? "paused" : "resumed")
    case "Stop":
      return event("stopped", { count: field(r, "count") ?? 0 })
    case "Remove":
      return event("removed", { position: command.position, to: command.to ?? null })
    case "Move":
      return event("moved", { from: command.from, to: command.to })
    case "Shuffle":
      return event("shuffled")
    case "Clear":
      return event("cleared", { count: field(r, "count") ?? 0 })
    case "SetLoop":
    case "CycleLoop":
      return event("loop", { mode: field(r, "mode") ?? null })
    case "SetVolume":
      return event("volume", { volume: command.volume })
    case "SetEffects":
    case "ToggleEffect":
      return event("effects", { effects: field(r, "effects") ?? [] })
    case "SetEqualizer":
      return event("equalizer", { preset: command.preset })
    case "Connect":
    case "Restore":
      return null
  }
}
