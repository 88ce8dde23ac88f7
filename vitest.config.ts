import { defineConfig } from "vitest/config"

// Files that assert on real-time pacing (20 ms frames, switch-over gaps) run one at a time, after
// the rest: two cores shared with FFmpeg-heavy tests beside them would measure the machine, not us.
const paced = [
  "test/discord/*.e2e.test.ts",
  "test/fake-discord/fake-discord.test.ts",
  "test/player/GuildPlayerAudio.test.ts",
  "test/player/FfmpegCrash.test.ts",
  "test/audio/RecordingVoiceOutput.test.ts"
]

const shared = { testTimeout: 60_000, hookTimeout: 60_000 }

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: "parallel",
          include: ["test/**/*.test.ts"],
          exclude: paced,
          // Real processes (FFmpeg, the bot, PostgreSQL) share two cores: keep parallelism modest.
          maxWorkers: 2,
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          ...shared,
          name: "paced",
          include: paced,
          fileParallelism: false,
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
