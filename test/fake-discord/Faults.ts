/** REST refusals on demand (`FakeDiscord.failNextRest`): what the fake answers instead of its route. */

/** A status, a JSON body and headers. */
export interface FaultReply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** How `failNextRest` refuses: a Discord error, `times` requests in a row (once by default). */
export interface RestFailure {
  readonly status: number
  readonly code: number
  readonly message: string
  readonly times?: number | undefined
  /** For a 429: when to try again, in the body's `retry_after` and the Retry-After header. */
  readonly retryAfterSeconds?: number | undefined
}

export const discordError = (status: number, code: number, message: string): FaultReply => ({
  status,
  body: { code, message }
})

interface Fault {
  readonly method: string
  readonly path: RegExp
  readonly reply: FaultReply
  remaining: number
}

export class RestFaults {
  readonly #faults: Array<Fault> = []

  add(method: string, path: RegExp, failure: RestFailure): void {
    const { status, code, message, retryAfterSeconds } = failure
    const reply: FaultReply = retryAfterSeconds === undefined
      ? discordError(status, code, message)
      : {
        status,
        body: { code, message, retry_after: retryAfterSeconds, global: false },
        headers: { "retry-after": String(retryAfterSeconds), "x-ratelimit-scope": "user" }
      }
    this.#faults.push({ method, path, reply, remaining: failure.times ?? 1 })
  }

  /** The refusal for this request, used up once; undefined when it goes to its route. */
  take(method: string, path: string): FaultReply | undefined {
    const index = this.#faults.findIndex((f) => f.method === method && f.path.test(path))
    const fault = this.#faults[index]
    if (fault === undefined) return undefined
    fault.remaining -= 1
    if (fault.remaining <= 0) this.#faults.splice(index, 1)
    return fault.reply
  }

  clear(): void {
    this.#faults.length = 0
  }
}
