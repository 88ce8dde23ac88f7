/** Answers of Reprise's HTTP API as tests read them: the status, the body (JSON when it is), and RFC 9457 problems. */
import { assert } from "vitest"

export interface Answer {
  readonly status: number
  readonly type: string
  readonly body: any
  readonly headers: Headers
}

/** The response read whole; its body parsed as JSON when it is, else kept as text. */
export const readAnswer = async (response: Response): Promise<Answer> => {
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON (a page, or nothing): kept as text for the assertion that says so.
  }
  return { status: response.status, type: response.headers.get("content-type") ?? "", body, headers: response.headers }
}

/** A problem (`application/problem+json`) of this status, whose detail matches `detail` when given. */
export const assertProblem = (answer: Answer, status: number, detail?: RegExp) => {
  assert.strictEqual(answer.status, status, JSON.stringify(answer.body))
  assert.include(answer.type, "application/problem+json")
  assert.strictEqual(answer.body.status, status)
  assert.isString(answer.body.type)
  assert.isString(answer.body.title)
  assert.isString(answer.body.detail)
  if (detail !== undefined) assert.match(answer.body.detail, detail)
}
