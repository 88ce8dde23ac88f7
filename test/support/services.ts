import { assert, describe, it } from "@effect/vitest"

/** A service that some tests need, named by an environment variable (`.ci/run` and CI set it). */
export interface TestService {
  /** The variable that names it, e.g. TEST_DATABASE_URL. */
  readonly variable: string
  /** What it is, e.g. "PostgreSQL". */
  readonly name: string
  readonly example: string
  readonly url: string | undefined
}

/**
 * Describe blocks of tests on `service`. Without its URL, one test says so in every run's output,
 * and fails where CI should have set it.
 */
export const describeWith = (service: TestService) => (title: string, what: string, tests: (url: string) => void) =>
  describe(title, () => {
    if (service.url === undefined) {
      it(`needs ${service.variable}`, () => {
        const message = `${service.variable} is not set: the ${service.name} ${what} tests did not run. ` +
          `Set it to a ${service.name} server, e.g. ${service.example}`
        if (process.env.CI === "true") assert.fail(message)
        process.stderr.write(`\n  ⚠ ${message}\n`)
      })
      return
    }
    tests(service.url)
  })
