import { BaseError, type BaseErrorParameters } from './base.ts'

/** The data directory or its configuration is missing or invalid. */
export class ConfigError extends BaseError {
  constructor(message: string, args: BaseErrorParameters = {}) {
    super(message, { name: 'ConfigError', docsPath: 'README.md#configuration', ...args })
  }
}

/** A command needs a running node and none answers. */
export class NodeNotRunningError extends BaseError {
  constructor({ dataDir }: { dataDir: string }) {
    super(`No databourse node is running for ${dataDir}.`, {
      name: 'NodeNotRunningError',
      details: 'Start it with `bourse up` (in another terminal, or `bourse up --detach`).',
    })
  }
}

/** A node is already running on this data directory. */
export class NodeAlreadyRunningError extends BaseError {
  constructor({ dataDir, pid }: { dataDir: string; pid: number }) {
    super(`A databourse node (pid ${pid}) is already running for ${dataDir}.`, { name: 'NodeAlreadyRunningError', details: 'Stop it with `bourse stop`.' })
  }
}

/** No local organisation of that name, or the name is not allowed. */
export class OrganisationError extends BaseError {
  constructor(message: string, args: BaseErrorParameters = {}) {
    super(message, { name: 'OrganisationError', ...args })
  }
}

/** The contracts are not deployed on this chain (or deployment.json is missing). */
export class NotDeployedError extends BaseError {
  constructor({ path }: { path: string }) {
    super(`No contract deployment recorded at ${path}.`, { name: 'NotDeployedError', details: 'Start the node once with `bourse up`: it deploys the contracts on first start.' })
  }
}

/** A command-line argument is missing or malformed. */
export class UsageError extends BaseError {
  constructor(message: string, args: BaseErrorParameters = {}) {
    super(message, { name: 'UsageError', ...args })
  }
}

/** `bourse stop` signalled the node and it is still running after the grace period. */
export class NodeDidNotStopError extends BaseError {
  constructor({ pid, logFile, seconds }: { pid: number; logFile: string; seconds: number }) {
    super(`The databourse node (pid ${pid}) did not stop within ${seconds} s.`, { name: 'NodeDidNotStopError', details: `See ${logFile}; try again, or end it with \`kill -9 ${pid}\` (the journal keeps everything acknowledged).` })
  }
}
