/**
 * The platform's schedule of pricing rounds: when a category's round has ended, the
 * operator node's platform key opens the next one. The contract computes the price and
 * would open the round lazily at the next order anyway; the schedule only keeps the quoted
 * price current for everyone between orders (SPEC.md section 3).
 */
import type { Account } from 'viem'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { advanceRound, roundStates } from '../sdk/pricing.ts'

export interface RoundSchedulerParameters {
  client: BourseClient
  platformKey: Account
  /** How often to look, ms (default 5,000). */
  intervalMs?: number
  log?: (line: string) => void
}

export class RoundScheduler {
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(private readonly p: RoundSchedulerParameters) {}

  /** Opens every due round now; returns the categories advanced. */
  async tick(): Promise<number[]> {
    const advanced: number[] = []
    for (const state of await roundStates(this.p.client)) {
      if (!state.due) continue
      try {
        await advanceRound(this.p.client, this.p.platformKey, state.category)
        advanced.push(state.category)
        this.p.log?.(`pricing: opened round ${state.round + 1} of category ${state.category}`)
      } catch (error) {
        // An order may have opened the round lazily in between: not a failure.
        this.p.log?.(`pricing: category ${state.category} not advanced: ${(error as Error).message.split('\n')[0]}`)
      }
    }
    return advanced
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => {
      if (this.#running) return
      this.#running = this.tick().then(() => undefined, () => undefined).finally(() => (this.#running = undefined))
    }, this.p.intervalMs ?? 5000)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }
}
