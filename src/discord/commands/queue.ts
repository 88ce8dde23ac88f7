/** The queue: /queue, /nowplaying, /remove, /move, /shuffle, /loop, /clear, and the now-playing buttons. */
import type { ChatInputCommandInteraction } from "discord.js"
import { Clock, Effect, Schema } from "effect"
import { Clear, Move, Pause, Remove, Resume, SetLoop, Shuffle } from "../../../schema/PlayerCommand.ts"
import { LoopMode } from "../../../schema/PlayerState.ts"
import { PlayerRegistry } from "../../player/PlayerRegistry.ts"
import { authorize, decodeOptions, discordCall, ids, respond } from "../Interaction.ts"
import { NowPlaying } from "../NowPlaying.ts"
import { nowPlayingMessage, queueMessage, trackLine } from "../Render.ts"
import { skipOrVote, stopAndLeave } from "./control.ts"
import { type ComponentHandler, guildCommand, Position, type SlashCommand } from "./Command.ts"


const QueueOptions = Schema.Struct({ page: Schema.optional(Position) })

export const queue: SlashCommand = {
  data: guildCommand("queue", "Show the queue")
    .addIntegerOption((o) => o.setName("page").setDescription("Page number").setMinValue(1))
    .toJSON(),
  run: Effect.fn("Commands.queue")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(QueueOptions, interaction)
    const state = yield* (yield* PlayerRegistry).state(ids(interaction).guildId)
    yield* respond(interaction, queueMessage(state, options.page ?? 1, yield* Clock.currentTimeMillis))
  })
}

/** The queue's page buttons: `queue:<page>` shows that page in place. */
export const queuePage: ComponentHandler = {
  prefix: "queue",
  run: Effect.fn("Commands.queue.page")(function*(interaction, args) {
    const state = yield* (yield* PlayerRegistry).state(ids(interaction).guildId)
    const page = Number(args[0] ?? "1")
    const body = queueMessage(state, Number.isInteger(page) ? page : 1, yield* Clock.currentTimeMillis)
    yield* discordCall("update", () => interaction.update(body))
  })
}

export const nowplaying: SlashCommand = {
  data: guildCommand("nowplaying", "Show what is playing").toJSON(),
  run: Effect.fn("Commands.nowplaying")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const state = yield* (yield* PlayerRegistry).state(ids(interaction).guildId)
    const body = nowPlayingMessage(state, yield* Clock.currentTimeMillis)
    // A snapshot: its buttons would go stale, the live ones are on the now-playing message.
    yield* respond(interaction, { ...body, components: [] })
  })
}

const RemoveOptions = Schema.Struct({ position: Position, to: Schema.optional(Position) })

export const remove: SlashCommand = {
  data: guildCommand("remove", "Remove a track (or a range) from the queue")
    .addIntegerOption((o) => o.setName("position").setDescription("Queue position").setMinValue(1).setRequired(true))
    .addIntegerOption((o) => o.setName("to").setDescription("Last position of a range").setMinValue(1))
    .toJSON(),
  run: Effect.fn("Commands.remove")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(RemoveOptions, interaction)
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(
      guildId,
      new Remove({ position: options.position, to: options.to, requester: userId })
    )
    const first = reply.removed[0]
    yield* respond(interaction, {
      content: reply.removed.length === 1 && first !== undefined
        ? `Removed ${trackLine(first.track)}.`
        : `Removed ${reply.removed.length} tracks.`
    })
  })
}

const MoveOptions = Schema.Struct({ from: Position, to: Position })

export const move: SlashCommand = {
  data: guildCommand("move", "Move a track to another place in the queue")
    .addIntegerOption((o) => o.setName("from").setDescription("Its position now").setMinValue(1).setRequired(true))
    .addIntegerOption((o) => o.setName("to").setDescription("Where it should go").setMinValue(1).setRequired(true))
    .toJSON(),
  run: Effect.fn("Commands.move")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(MoveOptions, interaction)
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(
      guildId,
      new Move({ from: options.from, to: options.to, requester: userId })
    )
    yield* respond(interaction, { content: `Moved ${trackLine(reply.entry.track)} to position ${reply.to}.` })
  })
}

export const shuffle: SlashCommand = {
  data: guildCommand("shuffle", "Shuffle the queue").toJSON(),
  run: Effect.fn("Commands.shuffle")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(guildId, new Shuffle({ requester: userId }))
    yield* respond(interaction, { content: `Shuffled ${reply.count} tracks.` })
  })
}

const LoopOptions = Schema.Struct({ mode: LoopMode })
const loopText = { off: "Looping is off.", track: "Looping the current track.", queue: "Looping the queue." } as const

export const loop: SlashCommand = {
  data: guildCommand("loop", "Loop the track or the queue")
    .addStringOption((o) =>
      o.setName("mode").setDescription("What to loop").setRequired(true).addChoices(
        { name: "off", value: "off" },
        { name: "track", value: "track" },
        { name: "queue", value: "queue" }
      )
    )
    .toJSON(),
  run: Effect.fn("Commands.loop")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(LoopOptions, interaction)
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(guildId, new SetLoop({ mode: options.mode, requester: userId }))
    yield* respond(interaction, { content: loopText[reply.mode] })
  })
}

export const clear: SlashCommand = {
  data: guildCommand("clear", "Empty the queue (the current track keeps playing)").toJSON(),
  run: Effect.fn("Commands.clear")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* authorize("dj", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(guildId, new Clear({ requester: userId }))
    yield* respond(interaction, { content: `Cleared ${reply.count} tracks from the queue.` })
  })
}

const nextLoop = { off: "track", track: "queue", queue: "off" } as const

/** The now-playing buttons: each acts like its command, then shows the new state in place. */
export const nowPlayingButtons: ComponentHandler = {
  prefix: "np",
  run: Effect.fn("Commands.nowPlaying.button")(function*(interaction, args) {
    const { guildId, userId } = ids(interaction)
    const registry = yield* PlayerRegistry
    const action = args[0]
    let note: string | null = null
    switch (action) {
      case "toggle": {
        const s = yield* authorize("control", interaction)
        if (s.state.paused) yield* registry.send(guildId, new Resume({ requester: userId }))
        else yield* registry.send(guildId, new Pause({ requester: userId }))
        break
      }
      case "skip":
        note = yield* skipOrVote(interaction, 1)
        break
      case "stop":
        note = yield* stopAndLeave(interaction)
        break
      case "loop": {
        const s = yield* authorize("control", interaction)
        yield* registry.send(guildId, new SetLoop({ mode: nextLoop[s.state.queue.loop], requester: userId }))
        break
      }
      case "shuffle":
        yield* authorize("control", interaction)
        yield* registry.send(guildId, new Shuffle({ requester: userId }))
        break
      default:
        return
    }
    if (note !== null && (action === "skip" && note.startsWith("Vote to skip"))) {
      return yield* respond(interaction, { content: note, ephemeral: true })
    }
    if (action === "stop") return yield* discordCall("update", () => interaction.update({ components: [] }))
    const state = yield* registry.state(guildId)
    const now = yield* Clock.currentTimeMillis
    yield* discordCall("update", () => interaction.update(nowPlayingMessage(state, now)))
    yield* (yield* NowPlaying).touched(guildId, interaction.message.id)
  })
}
