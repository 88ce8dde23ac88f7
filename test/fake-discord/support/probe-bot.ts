/**
 * A minimal music bot on unmodified discord.js and @discordjs/voice, run as a child process to prove the fake.
 * `/play query:<path of an Ogg/Opus file>` defers, joins the caller's channel (DAVE left at the library default),
 * plays the file, edits the reply, follows up when done, and leaves. `/ping` answers "pong".
 */
import {
  AudioPlayerStatus, createAudioPlayer, createAudioResource, entersState, joinVoiceChannel, StreamType,
  VoiceConnectionStatus, type VoiceConnection
} from "@discordjs/voice"
import { ApplicationCommandOptionType, Client, GatewayIntentBits, type ChatInputCommandInteraction } from "discord.js"
import { createReadStream } from "node:fs"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const log = (...parts: ReadonlyArray<unknown>): void => console.log("[bot]", ...parts)

const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
  rest: { api: env("DISCORD_API_BASE") }
})

client.once("clientReady", async (ready) => {
  log("ready as", ready.user.username, "in", ready.guilds.cache.size, "guilds")
  await ready.application.commands.set([
    {
      name: "play",
      description: "Play an Ogg/Opus file",
      options: [{ name: "query", description: "file", type: ApplicationCommandOptionType.String, required: true }]
    },
    { name: "ping", description: "Answer pong" }
  ])
  log("commands registered")
})

client.on("shardResume", (id, replayed) => log("shard", id, "resumed, replayed", replayed))

client.on("interactionCreate", async (interaction) => {
  if (!interaction.isChatInputCommand()) return
  try {
    if (interaction.commandName === "ping") await interaction.reply("pong")
    if (interaction.commandName === "play") await play(interaction)
  } catch (error) {
    log("command failed:", error)
  }
})

/** The reconnect recipe from the @discordjs/voice guide: a 4014 close is a kick unless a move follows. */
const followMovesOrLeave = (connection: VoiceConnection): void => {
  connection.on(VoiceConnectionStatus.Disconnected, async () => {
    try {
      await Promise.race([
        entersState(connection, VoiceConnectionStatus.Signalling, 5_000),
        entersState(connection, VoiceConnectionStatus.Connecting, 5_000)
      ])
    } catch {
      connection.destroy()
    }
  })
}

const play = async (interaction: ChatInputCommandInteraction): Promise<void> => {
  await interaction.deferReply()
  const channel = interaction.inCachedGuild() ? interaction.member.voice.channel : null
  if (channel === null) {
    await interaction.editReply("Join a voice channel first")
    return
  }
  log("joining", channel.name, "joinable:", channel.joinable)
  const connection = joinVoiceChannel({
    channelId: channel.id,
    guildId: channel.guild.id,
    adapterCreator: channel.guild.voiceAdapterCreator
  })
  connection.on("stateChange", (from, to) => log("voice", from.status, "→", to.status))
  connection.on("error", (error) => log("voice error:", error.message))
  followMovesOrLeave(connection)
  await entersState(connection, VoiceConnectionStatus.Ready, 10_000)
  const player = createAudioPlayer()
  player.on("error", (error) => log("player error:", error.message))
  connection.subscribe(player)
  const query = interaction.options.getString("query", true)
  player.play(createAudioResource(createReadStream(query), { inputType: StreamType.OggOpus }))
  await interaction.editReply(`Now playing: ${query}`)
  await entersState(player, AudioPlayerStatus.Playing, 5_000)
  await new Promise((resolve) => player.once(AudioPlayerStatus.Idle, resolve))
  log("finished")
  await interaction.followUp("Finished playing")
  connection.destroy()
}

process.on("SIGTERM", () => {
  void client.destroy().finally(() => process.exit(0))
})

await client.login(env("DISCORD_TOKEN"))
