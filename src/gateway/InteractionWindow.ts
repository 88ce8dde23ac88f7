/**
 * How long an interaction can be answered. Discord takes the first answer (the callback) within
 * 3 seconds of the interaction's creation and follow-ups or edits for 15 minutes; a call it can no
 * longer accept only delays the next one and ends in "Unknown interaction". The creation time is in
 * the interaction's snowflake id, which the callback's URL carries, so the REST client can tell
 * without being told (this relies on a clock kept in sync, as TLS and Discord's own rate limits do).
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

/** A callback not sent, or given up, because Discord would no longer accept it. */
export class InteractionExpired extends Error {
  override readonly name = "InteractionExpired"
  readonly deadline: number
  constructor(deadline: number) {
    super("the interaction's first answer is past Discord's 3-second window")
    this.deadline = deadline
  }
}

/**
 * `rejectOnRateLimit`: a 429 on a callback fails at once when waiting it out would pass the
 * deadline (@discordjs/rest would otherwise sleep and retry until Discord forgets the interaction);
 * every other route waits as usual.
 */
export const rejectLateCallbacks = (now: () => number) => (limit: RateLimitData): boolean => {
  const deadline = callbackDeadline(limit.url)
  return deadline !== undefined && now() + limit.retryAfter >= deadline
}

/**
 * `makeRequest`: a callback past its deadline is not sent, and one in flight is aborted at it; the
 * refusal is not an abort, so @discordjs/rest does not retry it. Other routes go through `send`.
 */
export const boundCallbacks = (
  now: () => number,
  send: RESTOptions["makeRequest"] = DefaultRestOptions.makeRequest
): RESTOptions["makeRequest"] =>
async (url, init) => {
  const deadline = callbackDeadline(url)
  if (deadline === undefined) return send(url, init)
  const remaining = deadline - now()
  if (remaining <= 0) throw new InteractionExpired(deadline)
  const signals = [AbortSignal.timeout(remaining), ...(init.signal ? [init.signal] : [])]
  try {
    return await send(url, { ...init, signal: AbortSignal.any(signals) })
  } catch (error) {
    if (now() >= deadline) throw new InteractionExpired(deadline)
    throw error
  }
}
