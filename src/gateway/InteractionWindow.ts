/**
 * How long an interaction can be answered. Discord takes the first answer (the callback) within
 * 3 seconds of the interaction's creation and follow-ups or edits for 15 minutes; a call it can no
 * longer accept only delays the next one and ends in "Unknown interaction". The creation time is in
 * the interaction's snowflake id, which the callback's URL carries, so the REST client can tell
 * without being told; a follow-up's URL carries the token, whose interaction `AnswerWindows` remembers
 * (this relies on a clock kept in sync, as TLS and Discord's own rate limits do).
 */
import { DefaultRestOptions, type RateLimitData, type RESTOptions } from "discord.js"

/** The first answer's window, from the interaction's creation. */
export const firstAnswerMs = 3_000

/** Follow-ups and edits of the reply: the interaction token's lifetime. */
export const followUpMs = 15 * 60_000

const discordEpoch = 1_420_070_400_000n

/** When Discord made what has the snowflake `id`, in ms since 1970; undefined for what is no snowflake. */
export const createdAt = (id: string): number | undefined =>
  /^\d{1,20}$/.test(id) ? Number((BigInt(id) >> 22n) + discordEpoch) : undefined

/** The time after which Discord refuses the first answer to the interaction `id`. */
export const firstAnswerDeadline = (id: string): number | undefined => {
  const created = createdAt(id)
  return created === undefined ? undefined : created + firstAnswerMs
}

const callbackRoute = /\/interactions\/(\d+)\/[^/]+\/callback(?:$|\?)/

/** The deadline of an interaction callback's URL; undefined for every other route. */
export const callbackDeadline = (url: string): number | undefined => {
  const id = callbackRoute.exec(url)?.[1]
  return id === undefined ? undefined : firstAnswerDeadline(id)
}

const webhookRoute = /\/webhooks\/\d+\/([^/?#]+)/

/**
 * The interactions seen, by token, for the deadline of their follow-ups and edits (a webhook's URL
 * carries the token, not the id). Each is kept for the token's 15 minutes, the oldest forgotten first.
 */
export class AnswerWindows {
  readonly #createdAt = new Map<string, number>()
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  open(token: string, createdAt: number): void {
    this.#createdAt.set(token, createdAt)
    const now = this.#now()
    for (const [seen, at] of this.#createdAt) {
      if (at + followUpMs > now) break
      this.#createdAt.delete(seen)
    }
  }

  /** When Discord stops accepting `url`: a callback's 3 seconds, an interaction webhook's 15 minutes; undefined for any other route. */
  deadline(url: string): number | undefined {
    const first = callbackDeadline(url)
    if (first !== undefined) return first
    const token = webhookRoute.exec(url)?.[1]
    const created = token === undefined ? undefined : this.#createdAt.get(token)
    return created === undefined ? undefined : created + followUpMs
  }
}

/** An answer not sent, or given up, because Discord would no longer accept it. */
export class InteractionExpired extends Error {
  override readonly name = "InteractionExpired"
  readonly deadline: number
  constructor(deadline: number) {
    super("Discord no longer accepts this answer to the interaction (its window has passed)")
    this.deadline = deadline
  }
}

/** When a route stops being accepted; undefined for routes without a deadline. */
export type Deadline = (url: string) => number | undefined

/**
 * `rejectOnRateLimit`: a 429 on an interaction's answer fails at once when waiting it out would
 * pass its deadline (@discordjs/rest would otherwise sleep and retry until Discord forgets the
 * interaction); every other route waits as usual.
 */
export const rejectLate = (deadline: Deadline, now: () => number) => (limit: RateLimitData): boolean => {
  const until = deadline(limit.url)
  return until !== undefined && now() + limit.retryAfter >= until
}

/**
 * `makeRequest`: an answer past its deadline is not sent, and one in flight is aborted at it; the
 * refusal is not an abort, so @discordjs/rest does not retry it. Other routes go through `send`.
 */
export const bounded = (
  deadline: Deadline,
  now: () => number,
  send: RESTOptions["makeRequest"] = DefaultRestOptions.makeRequest
): RESTOptions["makeRequest"] =>
async (url, init) => {
  const until = deadline(url)
  if (until === undefined) return send(url, init)
  const remaining = until - now()
  if (remaining <= 0) throw new InteractionExpired(until)
  const signals = [AbortSignal.timeout(remaining), ...(init.signal ? [init.signal] : [])]
  try {
    return await send(url, { ...init, signal: AbortSignal.any(signals) })
  } catch (error) {
    if (now() >= until) throw new InteractionExpired(until)
    throw error
  }
}
