import { assert, describe, it } from "@effect/vitest"
import type { RateLimitData, ResponseLike } from "discord.js"
import {
  AnswerWindows, bounded, callbackDeadline, createdAt, InteractionExpired, rejectLate
} from "../../src/gateway/InteractionWindow.ts"
import { snowflake } from "../fake-discord/Snowflake.ts"

const created = 1_764_000_000_000
const id = snowflake(created)
const callback = `http://127.0.0.1:1/api/v10/interactions/${id}/tok-en/callback?with_response=false`
const edit = `http://127.0.0.1:1/api/v10/webhooks/1100000000000000001/tok-en/messages/%40original`

const limit = (url: string, retryAfter: number) => ({ url, retryAfter }) as RateLimitData

describe("an interaction's answer window", () => {
  it("reads the creation time out of the snowflake, and the callback's deadline out of its URL", () => {
    assert.strictEqual(createdAt(id), created)
    assert.strictEqual(callbackDeadline(callback), created + 3_000)
    assert.isUndefined(callbackDeadline(edit), "an edit has the token's 15 minutes")
    assert.isUndefined(callbackDeadline("http://127.0.0.1:1/api/v10/channels/1/messages"))
  })

  it("knows a follow-up's or an edit's deadline by the token of an interaction it saw, for 15 minutes", () => {
    let now = created
    const windows = new AnswerWindows(() => now)
    windows.open("tok-en", created)
    assert.strictEqual(windows.deadline(callback), created + 3_000)
    assert.strictEqual(windows.deadline(edit), created + 15 * 60_000)
    assert.isUndefined(windows.deadline(edit.replace("tok-en", "other")), "a webhook of no interaction seen")
    now = created + 15 * 60_000
    windows.open("later", now)
    assert.isUndefined(windows.deadline(edit), "forgotten once its window is over")
    assert.strictEqual(windows.deadline(edit.replace("tok-en", "later")), now + 15 * 60_000)
  })

  it("gives up a rate-limited answer only when waiting would pass its deadline", () => {
    const windows = new AnswerWindows(() => created)
    windows.open("tok-en", created)
    const at = (now: number) => rejectLate((url) => windows.deadline(url), () => now)
    assert.isFalse(at(created + 500)(limit(callback, 2_000)), "tried again at 2.5 s")
    assert.isTrue(at(created + 1_500)(limit(callback, 2_000)), "3.5 s is too late")
    assert.isFalse(at(created + 60_000)(limit(edit, 2_000)), "an edit has 15 minutes")
    assert.isTrue(at(created + 14 * 60_000)(limit(edit, 90_000)), "but not 16")
    assert.isFalse(at(created + 14 * 60_000)(limit("http://127.0.0.1:1/api/v10/channels/1/messages", 90_000)))
  })

  it("does not send a callback past its deadline, and aborts one in flight at it", async () => {
    const sent: Array<string> = []
    const answered = { status: 204 } as ResponseLike
    const send = (url: string, init: { readonly signal?: AbortSignal | null | undefined }) => {
      sent.push(url)
      return new Promise<ResponseLike>((resolve, reject) => {
        const timer = setTimeout(() => resolve(answered), 200)
        init.signal?.addEventListener("abort", () => {
          clearTimeout(timer)
          reject(Object.assign(new Error("aborted"), { name: "AbortError" }))
        })
      })
    }
    let now = created + 100
    const answer = bounded(callbackDeadline, () => now, send)
    assert.strictEqual(await answer(callback, {}), answered)

    now = created + 3_000
    const late = await answer(callback, {}).catch((error: unknown) => error)
    assert.instanceOf(late, InteractionExpired)
    assert.lengthOf(sent, 1, "not sent")

    // 50 ms left: the request is aborted then, and the failure is not one to retry.
    const start = Date.now()
    const hung = bounded(callbackDeadline, () => Date.now() - start + created + 2_950, send)
    const aborted = await hung(callback, {}).catch((error: unknown) => error)
    assert.instanceOf(aborted, InteractionExpired)
    assert.strictEqual(await hung(edit, {}), answered, "a route without a deadline goes as it is")
  })
})
