/** Figures over a fleet's command outcomes: latency percentiles, error rate, and a per-command breakdown. */
import { percentile, round } from "../Section.ts"
import type { Outcome } from "./Fleet.ts"

export interface OutcomeSummary {
  readonly commands: number
  readonly errors: number
  readonly errorPct: number
  readonly ackMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }
  readonly answerMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }
}

const spread = (values: ReadonlyArray<number>) => ({
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  p99: round(percentile(values, 99)),
  max: round(values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b)))
})

export const summarise = (outcomes: ReadonlyArray<Outcome>): OutcomeSummary => {
  const errors = outcomes.filter((o) => o.error !== null).length
  return {
    commands: outcomes.length,
    errors,
    errorPct: outcomes.length === 0 ? 100 : round(errors / outcomes.length * 100, 2),
    ackMs: spread(outcomes.flatMap((o) => o.ackMs === null ? [] : [o.ackMs])),
    answerMs: spread(outcomes.flatMap((o) => o.answerMs === null ? [] : [o.answerMs]))
  }
}

/**
 * Per command: how many, their latencies, and the answers seen most (digits folded, so "Volume set
 * to 73%." and "… 120%." are one line), with each error kind. For the details, to read a run by.
 */
export const breakdown = (outcomes: ReadonlyArray<Outcome>) => {
  const byLabel = new Map<string, Array<Outcome>>()
  for (const o of outcomes) {
    const list = byLabel.get(o.label)
    if (list === undefined) byLabel.set(o.label, [o])
    else list.push(o)
  }
  return Object.fromEntries([...byLabel].map(([label, list]) => {
    const answers = new Map<string, number>()
    for (const o of list) {
      const key = o.error ?? (o.text.replace(/\d+/g, "#") || "(updated in place)")
      answers.set(key, (answers.get(key) ?? 0) + 1)
    }
    const top = [...answers].sort((a, b) => b[1] - a[1]).slice(0, 6)
    return [label, { ...summarise(list), answers: Object.fromEntries(top) }]
  }))
}

/** The first few failed outcomes, for the details. */
export const failures = (outcomes: ReadonlyArray<Outcome>, count = 10) =>
  outcomes.filter((o) => o.error !== null).slice(0, count).map((o) => ({
    label: o.label, guild: o.guild, error: o.error, ackMs: o.ackMs === null ? null : round(o.ackMs), text: o.text
  }))
