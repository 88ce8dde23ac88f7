const discordEpoch = 1_420_070_400_000n
let counter = 0n

/**
 * A Discord snowflake for `ms` (default: now). discord.js derives `createdTimestamp` from the id,
 * so ids carry a real time; the low 22 bits keep ids made in the same millisecond distinct.
 */
export const snowflake = (ms: number = Date.now()): string => {
  counter = (counter + 1n) & 0x3fffffn
  return (((BigInt(Math.floor(ms)) - discordEpoch) << 22n) | counter).toString()
}

export const snowflakeTime = (id: string): number => Number((BigInt(id) >> 22n) + discordEpoch)
