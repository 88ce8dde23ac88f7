/**
 * Gateway dispatches checked before discord.js acts on them. @discordjs/ws reads each message off
 * the socket and emits it as a "dispatch" on its manager, whose one listener is discord.js's: it
 * builds the cache's structures and the interactions from the payload as it is, so a malformed
 * payload threw inside that listener, where no code of ours runs, and ended the process. Here the
 * sharding strategy (the part of @discordjs/ws that forwards a shard's events to the manager) is
 * the stock one, over a manager whose `emit` decodes a dispatch first (an interaction, or a guild
 * or voice event the cache is kept with) and contains what discord.js still throws on it.
 */
import {
  type IShardingStrategy, SimpleShardingStrategy, type WebSocketManager, WebSocketShardEvents
} from "@discordjs/ws"
import { Option, Result, Schema, SchemaIssue } from "effect"
import { guildEvents } from "./GuildEvents.ts"
import { InteractionPayload } from "./InteractionPayload.ts"

/** A dispatch as @discordjs/ws emits it: `t` the event, `d` its payload. */
const Dispatch = Schema.Struct({ t: Schema.String, d: Schema.Unknown })

/** The payloads checked before discord.js reads them; other events pass as sent. */
const decoders: Readonly<Record<string, (payload: unknown) => Result.Result<unknown, Schema.SchemaError>>> =
  Object.fromEntries(
    Object.entries({ ...guildEvents, INTERACTION_CREATE: InteractionPayload })
      .map(([event, schema]) => [event, Schema.decodeUnknownResult(schema, { errors: "all" })])
  )

/** A dispatch not handed to discord.js, or one it threw on: logged by the caller, never answered. */
export type Rejected =
  | {
    readonly _tag: "Malformed"
    readonly event: string
    /** Where the payload departs from what discord.js reads, path by path; never a value from it. */
    readonly problem: string
    readonly interactionId: Option.Option<string>
  }
  | {
    readonly _tag: "Threw"
    readonly event: string
    readonly interactionId: Option.Option<string>
    readonly error: unknown
  }

export type Verdict = { readonly _tag: "Admitted"; readonly event: string } | Extract<Rejected, { _tag: "Malformed" }>

const toStandard = SchemaIssue.makeFormatterStandardSchemaV1()
/** A hostile payload can nest deep: what is logged of its problems stays one readable line. */
const maxProblem = 500

const problemOf = (error: Schema.SchemaError): string => {
  const text = toStandard(error.issue).issues
    .map((issue) => `${(issue.path ?? []).map(String).join(".") || "(payload)"}: ${issue.message}`)
    .join("; ")
  return text.length > maxProblem ? `${text.slice(0, maxProblem)}…` : text
}

/** The interaction's id, when the payload has one that looks like an id (it says which was dropped). */
const interactionIdOf = (event: string, payload: unknown): Option.Option<string> => {
  if (event !== "INTERACTION_CREATE" || typeof payload !== "object" || payload === null || !("id" in payload)) {
    return Option.none()
  }
  return typeof payload.id === "string" && /^\d{1,20}$/.test(payload.id) ? Option.some(payload.id) : Option.none()
}

const decodeDispatch = Schema.decodeUnknownResult(Dispatch)

/** Whether discord.js may read this dispatch: pure, and total over any input. */
export const inspect = (packet: unknown): Verdict => {
  const dispatch = decodeDispatch(packet)
  if (Result.isFailure(dispatch)) {
    return { _tag: "Malformed", event: "(unknown)", problem: problemOf(dispatch.failure), interactionId: Option.none() }
  }
  const { t: event, d: payload } = dispatch.success
  const decode = Object.hasOwn(decoders, event) ? decoders[event] : undefined
  if (decode === undefined) return { _tag: "Admitted", event }
  const decoded = decode(payload)
  return Result.isSuccess(decoded)
    ? { _tag: "Admitted", event }
    : { _tag: "Malformed", event, problem: problemOf(decoded.failure), interactionId: interactionIdOf(event, payload) }
}

/**
 * Hands `packet` to `deliver` (discord.js) when it decodes, else to `reject`; never throws. What
 * discord.js throws on an admitted dispatch is rejected too and the process goes on: the handler of
 * one dispatch builds or patches only the structures its payload names (an interaction is built
 * fresh for each event), so a throw leaves at worst one cached entry short of its last update, which
 * Discord's next event about it replaces, while stopping would stop every guild's music.
 */
export const deliverChecked = (packet: unknown, deliver: () => void, reject: (rejected: Rejected) => void): boolean => {
  const verdict = inspect(packet)
  if (verdict._tag === "Malformed") {
    reject(verdict)
    return false
  }
  try {
    deliver()
    return true
  } catch (error) {
    const payload = typeof packet === "object" && packet !== null && "d" in packet ? packet.d : undefined
    const interactionId = interactionIdOf(verdict.event, payload)
    reject({ _tag: "Threw", event: verdict.event, interactionId, error: withoutToken(error, payload) })
    return false
  }
}

/**
 * The error with the payload's interaction token taken out of its message and stack: discord.js
 * names the value it choked on, and a hostile payload can put the token where it chokes.
 */
const withoutToken = (error: unknown, payload: unknown): unknown => {
  const token = typeof payload === "object" && payload !== null && "token" in payload ? payload.token : undefined
  if (typeof token !== "string" || token === "" || !(error instanceof Error)) return error
  const scrub = (text: string) => text.replaceAll(token, "<token>")
  if (!scrub(`${error.message}${error.stack ?? ""}`).includes("<token>")) return error
  const scrubbed = new Error(scrub(error.message))
  scrubbed.name = error.name
  scrubbed.stack = scrub(error.stack ?? "")
  return scrubbed
}

/**
 * A view of `manager` whose dispatches go through `deliverChecked`. Everything else reaches the
 * manager itself (methods bound to it, for its private fields).
 */
export const checkedManager = (manager: WebSocketManager, reject: (rejected: Rejected) => void): WebSocketManager => {
  const emit = (event: unknown, ...args: ReadonlyArray<unknown>): unknown => {
    const forward = () => Reflect.apply(manager.emit, manager, [event, ...args])
    if (event !== WebSocketShardEvents.Dispatch) return forward()
    const [payload] = args
    const packet = typeof payload === "object" && payload !== null && "data" in payload ? payload.data : undefined
    return deliverChecked(packet, forward, reject)
  }
  return new Proxy(manager, {
    get: (target, key) => {
      if (key === "emit") return emit
      const value: unknown = Reflect.get(target, key)
      return typeof value === "function" ? value.bind(target) : value
    }
  })
}

/** The stock sharding strategy, forwarding its shards' events to the checked view of `manager`. */
export const checkedStrategy = (manager: WebSocketManager, reject: (rejected: Rejected) => void): IShardingStrategy =>
  new SimpleShardingStrategy(checkedManager(manager, reject))
