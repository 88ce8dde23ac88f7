import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real processes (FFmpeg, the bot, PostgreSQL) share two cores: keep parallelism modest.
    maxWorkers: 2,
    fileParallelism: true
  }
})
