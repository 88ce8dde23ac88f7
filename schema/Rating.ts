import { Schema } from "effect"

/** A member's verdict on a track: 👍 or 👎. */
export const Rating = Schema.Literals(["up", "down"])
export type Rating = typeof Rating.Type

/** How far back stats look: a rolling window ending now, or the whole history. */
export const StatsPeriod = Schema.Literals(["day", "week", "month", "year", "all"])
export type StatsPeriod = typeof StatsPeriod.Type
