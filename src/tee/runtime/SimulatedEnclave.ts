/**
 * The simulated TEE backend: the enclave image runs in its own Node.js process (own address
 * space, own heap; no tsx, no inherited environment), reachable only through IPC messages of
 * `src/tee/enclave/protocol.ts`. Its evidence is signed by the simulated platform key and
 * marked simulated; a production policy refuses it. What it does not simulate: protection
 * from the host's operating system and administrator (a root user can read the process's
 * memory) — which is exactly what hardware adds and why the policy distinguishes the two.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { EnclaveExitedError, EnclaveRequestError } from '../../errors/tee.ts'
import type { EciesSealed } from '../../identity/ecies.ts'
import type { EnclaveReply, EnclaveRequest, Envelope, JobRequest, SignedJobResult } from '../enclave/protocol.ts'
import type { EnclaveImage } from '../image.ts'
import type { AttestedSession, EnclaveRuntime } from './EnclaveRuntime.ts'

export interface LaunchSimulatedEnclaveParameters {
  image: EnclaveImage
  /** The node's TEE directory: `platform/` (simulated fused keys, read by enclaves only) and `sealed/`. */
  teeDir: string
  /** Sees every message crossing the boundary, both ways (tests check what the node can see). */
  onTraffic?: ((direction: 'to-enclave' | 'from-enclave', message: unknown) => void) | undefined
}

type Pending = { resolve: (reply: EnclaveReply) => void; reject: (error: Error) => void; op: string }

export class SimulatedEnclave implements EnclaveRuntime {
  readonly platform = 'simulated' as const
  readonly reportedMeasurement: Hex
  /** The simulated platform's attestation public key: pin it in the simulated verifier. */
  readonly platformKey: Hex
  readonly #child: ChildProcess
  readonly #pending = new Map<number, Pending>()
  readonly #onTraffic: LaunchSimulatedEnclaveParameters['onTraffic']
  #nextId = 1
  #exited: Error | undefined

  private constructor(child: ChildProcess, ready: { measurement: Hex; platformKey: Hex }, onTraffic: LaunchSimulatedEnclaveParameters['onTraffic']) {
    this.#child = child
    this.reportedMeasurement = ready.measurement
    this.platformKey = ready.platformKey
    this.#onTraffic = onTraffic
    child.on('message', (message: Envelope<EnclaveReply>) => {
      this.#onTraffic?.('from-enclave', message)
      const pending = this.#pending.get(message.id)
      if (!pending) return
      this.#pending.delete(message.id)
      if (message.body.op === 'error') pending.reject(new EnclaveRequestError({ op: pending.op, name: message.body.name, message: message.body.message }))
      else pending.resolve(message.body)
    })
    child.on('exit', (code, signal) => {
      this.#exited = new EnclaveExitedError({ code, signal })
      for (const p of this.#pending.values()) p.reject(this.#exited)
      this.#pending.clear()
    })
  }

  /**
   * Starts the enclave process and waits for it to report ready.
   *
   * @example
   * const enclave = await SimulatedEnclave.launch({ image: await buildEnclaveImage(), teeDir: join(dataDir, 'tee') })
   */
  static async launch(p: LaunchSimulatedEnclaveParameters): Promise<SimulatedEnclave> {
    const child = fork(p.image.path, [join(p.teeDir, 'platform'), join(p.teeDir, 'sealed')], {
      serialization: 'advanced',
      execArgv: [],
      env: {},
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    const ready = await new Promise<{ measurement: Hex; platformKey: Hex }>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new EnclaveExitedError({ code, signal }))
      child.once('exit', onExit)
      child.once('error', reject)
      child.once('message', (message: Envelope<EnclaveReply>) => {
        p.onTraffic?.('from-enclave', message)
        child.off('exit', onExit)
        if (message.body.op !== 'ready') reject(new Error(`the enclave's first message was ${message.body.op}, not ready`))
        else resolve({ measurement: message.body.measurement, platformKey: message.body.platformKey })
      })
    })
    return new SimulatedEnclave(child, ready, p.onTraffic)
  }

  #request(body: EnclaveRequest): Promise<EnclaveReply> {
    if (this.#exited) return Promise.reject(this.#exited)
    const id = this.#nextId++
    const envelope: Envelope<EnclaveRequest> = { id, body }
    this.#onTraffic?.('to-enclave', envelope)
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, op: body.op })
      this.#child.send(envelope, (error) => {
        if (error && this.#pending.delete(id)) reject(error)
      })
    })
  }

  async attest(nonce: Uint8Array): Promise<AttestedSession> {
    const reply = await this.#request({ op: 'attest', nonce })
    if (reply.op !== 'attested') throw new Error(`unexpected enclave reply ${reply.op}`)
    return { platform: 'simulated', publicKey: reply.publicKey, evidence: reply.evidence }
  }

  async quote(nonce: Uint8Array): Promise<AttestedSession> {
    const reply = await this.#request({ op: 'quote', nonce })
    if (reply.op !== 'attested') throw new Error(`unexpected enclave reply ${reply.op}`)
    return { platform: 'simulated', publicKey: reply.publicKey, evidence: reply.evidence }
  }

  async release(keyId: string, sealed: EciesSealed): Promise<void> {
    const reply = await this.#request({ op: 'release', keyId, sealed })
    if (reply.op !== 'released') throw new Error(`unexpected enclave reply ${reply.op}`)
  }

  async run(request: JobRequest): Promise<SignedJobResult> {
    const reply = await this.#request({ op: 'run', request })
    if (reply.op !== 'result') throw new Error(`unexpected enclave reply ${reply.op}`)
    return reply.result
  }

  /** Pid of the enclave process (tests check it is not the node's). */
  get pid(): number | undefined {
    return this.#child.pid
  }

  async close(): Promise<void> {
    if (this.#exited) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(timer)
  }
}
