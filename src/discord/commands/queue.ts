/** The queue: /queue, /nowplaying, /remove, /move, /shuffle, /loop, /clear, and the now-playing buttons. */
import { Clock, Effect, Schema } from "effect"
import { LoopMode } from "../../../schema/PlayerState.ts"
import { Control } from "../../control/Control.ts"
import { actorOf, deferUpdate, discordCall, respond } from "../Interaction.ts"
import { NowPlaying } from "../NowPlaying.ts"
import { queueMessage, skipText, trackLine } from "../Render.ts"
import { type ComponentHandler, guildCommand, Position, slash } from "./Command.ts"
import { plural } from "../../../schema/Wording.ts"

const withClock = <A>(run: Effect.Effect<A>) => Effect.zip(run, Clock.currentTimeMillis)

export const queue = slash({
  data: guildCommand("queue", "Show the queue")
    .addIntegerOption((o) => o.setName("page").setDescription("Page number").setMinValue(1))
    .toJSON(),
  options: Schema.Struct({ page: Schema.optional(Position) }),
  run: (control, actor) => withClock(control.view(actor.guildId)),
  render: ([state, now], options) => queueMessage(state, options.page ?? 1, now),
  acknowledge: "itself"
})

/** The queue's page buttons: `queue:<page>` shows that page in place. */
export const queuePage: ComponentHandler = {
  prefix: "queue",
  run: Effect.fn("Commands.queue.page")(function*(interaction, args) {
    const [state, now] = yield* withClock((yield* Control).view(actorOf(interaction).guildId))
    const page = Number(args[0] ?? "1")
    const body = queueMessage(state, Number.isInteger(page) ? page : 1, now)
    yield* discordCall("update", () => interaction.update(body))
  })
}

export const nowplaying = slash({
  data: guildCommand("nowplaying", "Show what is playing").toJSON(),
  run: (_, actor) => NowPlaying.use((np) => np.message(actor.guildId)),
  // A snapshot: its buttons would go stale, the live ones are on the now-playing message.
  render: (message) => ({ ...message, components: [] }),
  acknowledge: "itself"
})

export const remove = slash({
  data: guildCommand("remove", "Remove a track (or a range) from the queue")
    .addIntegerOption((o) => o.setName("position").setDescription("Queue position").setMinValue(1).setRequired(true))
    .addIntegerOption((o) => o.setName("to").setDescription("Last position of a range").setMinValue(1))
    .toJSON(),
  options: Schema.Struct({ position: Position, to: Schema.optional(Position) }),
  run: (control, actor, options) => control.remove(actor, options.position, options.to),
  render: (reply) => {
    const first = reply.removed[0]
    return {
      content: reply.removed.length === 1 && first !== undefined
        ? `Removed ${trackLine(first.track)}.`
        : `Removed ${plural(reply.removed.length, "track")}.`
    }
  }
})

export const move = slash({
  data: guildCommand("move", "Move a track to another place in the queue")
    .addIntegerOption((o) => o.setName("from").setDescription("Its position now").setMinValue(1).setRequired(true))
    .addIntegerOption((o) => o.setName("to").setDescription("Where it should go").setMinValue(1).setRequired(true))
    .toJSON(),
  options: Schema.Struct({ from: Position, to: Position }),
  run: (control, actor, options) => control.move(actor, options.from, options.to),
  render: (reply) => ({ content: `Moved ${trackLine(reply.entry.track)} to position ${reply.to}.` })
})

/** What /shuffle and the Shuffle button answer. */
const shuffled = (reply: { readonly count: number }) => ({ content: `Shuffled ${plural(reply.count, "track")}.` })

export const shuffle = slash({
  data: guildCommand("shuffle", "Shuffle the queue").toJSON(),
  run: (control, actor) => control.shuffle(actor),
  render: shuffled
})

const loopText = { off: "Looping is off.", track: "Looping the current track.", queue: "Looping the queue." } as const

export const loop = slash({
  data: guildCommand("loop", "Loop the track or the queue")
    .addStringOption((o) =>
      o.setName("mode").setDescription("What to loop").setRequired(true).addChoices(
        { name: "off", value: "off" },
        { name: "track", value: "track" },
        { name: "queue", value: "queue" }
      )
    )
    .toJSON(),
  options: Schema.Struct({ mode: LoopMode }),
  run: (control, actor, options) => control.setLoop(actor, options.mode),
  render: (reply) => ({ content: loopText[reply.mode] })
})

export const clear = slash({
  data: guildCommand("clear", "Empty the queue (the current track keeps playing)").toJSON(),
  run: (control, actor) => control.clear(actor),
  render: (reply) => ({ content: `Cleared ${plural(reply.count, "track")} from the queue.` })
})

const pressActions = new Set(["previous", "toggle", "skip", "stop", "loop", "shuffle"])

/**
 * The now-playing buttons: each asks the core what its command would, then shows the new state in
 * place. A press is acknowledged before it is applied, as a slash command is (see `SlashSpec`).
 */
export const nowPlayingButtons: ComponentHandler = {
  prefix: "np",
  run: Effect.fn("Commands.nowPlaying.button")(function*(interaction, args) {
    const control = yield* Control
    const actor = actorOf(interaction)
    const action = args[0] ?? ""
    if (action === "queue") {
      const [state, now] = yield* withClock(control.view(actor.guildId))
      return yield* respond(interaction, { ...queueMessage(state, 1, now), ephemeral: true })
    }
    if (!pressActions.has(action)) return
    yield* deferUpdate(interaction)
    switch (action) {
      case "previous":
        yield* control.previous(actor)
        break
      case "toggle":
        yield* control.togglePause(actor)
        break
      case "skip": {
        const outcome = yield* control.skip(actor, 1)
        if (outcome._tag === "Voted") {
          return yield* respond(interaction, { content: skipText(outcome), ephemeral: true })
        }
        // The next track is not heard yet: the message shows it once it is (NowPlaying).
        if (outcome.now !== null) return
        break
      }
      case "stop":
        yield* control.stop(actor)
        return yield* respond(interaction, { components: [] })
      case "loop":
        yield* control.cycleLoop(actor)
        break
      case "shuffle":
        // The message shows nothing the new order changes: only the presser is told.
        return yield* respond(interaction, { ...shuffled(yield* control.shuffle(actor)), ephemeral: true })
    }
    const nowPlaying = yield* NowPlaying
    const message = yield* nowPlaying.message(actor.guildId)
    yield* respond(interaction, message)
    yield* nowPlaying.touched(actor.guildId, interaction.message.id)
  })
}
