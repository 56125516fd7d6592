/**
 * The API's settings from the configuration file (`api` in `<dataDir>/config.json`), the
 * environment and command-line flags. Precedence: flags > environment > file > defaults.
 *
 * | setting | file          | environment        | flag          | default     |
 * |---------|---------------|--------------------|---------------|-------------|
 * | enabled | `api.enabled` | `BOURSE_API=0|1`   | `--no-api`    | true        |
 * | host    | `api.host`    | `BOURSE_API_HOST`  | `--api-host`  | 127.0.0.1   |
 * | port    | `api.port`    | `BOURSE_API_PORT`  | `--api-port`  | 8080        |
 * | log     | —             | `BOURSE_LOG_LEVEL` | —             | info        |
 */
import { ApiConfigError } from '../errors/api.ts'

export interface ApiConfig {
  enabled: boolean
  host: string
  port: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

export interface ApiConfigSources {
  /** `api` of config.json, already schema-checked. */
  file?: { enabled?: boolean | undefined; host?: string | undefined; port?: number | undefined } | undefined
  env?: NodeJS.ProcessEnv | undefined
  flags?: { api?: boolean | undefined; apiHost?: string | undefined; apiPort?: string | number | undefined } | undefined
}

export const apiConfigDefaults: ApiConfig = { enabled: true, host: '127.0.0.1', port: 8080, logLevel: 'info' }

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function port(value: string | number, source: string): number {
  const n = typeof value === 'number' ? value : /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ApiConfigError({ source, reason: `"${value}" must be an integer from 0 to 65535` })
  return n
}

function host(value: string, source: string): string {
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(value)) throw new ApiConfigError({ source, reason: `"${value}" is not a host name or IP address` })
  return value
}

function flag(value: string, source: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true
  if (/^(0|false|no|off)$/i.test(value)) return false
  throw new ApiConfigError({ source, reason: `"${value}" must be 1 or 0` })
}

/**
 * Resolves the API settings; the first source that sets a value wins, in the order
 * flags, environment, file, defaults.
 *
 * @example
 * resolveApiConfig({ file: { port: 9000 }, env: { BOURSE_API_PORT: '9100' }, flags: { apiPort: '9200' } }).port // 9200
 * @throws {ApiConfigError} naming the source of a bad value
 */
export function resolveApiConfig(s: ApiConfigSources = {}): ApiConfig {
  const env = s.env ?? {}
  const f = s.flags ?? {}
  const file = s.file ?? {}
  const enabled =
    f.api === false ? false : env.BOURSE_API !== undefined && env.BOURSE_API !== '' ? flag(env.BOURSE_API, 'env BOURSE_API') : (file.enabled ?? apiConfigDefaults.enabled)
  const resolvedHost =
    f.apiHost !== undefined ? host(f.apiHost, '--api-host') : env.BOURSE_API_HOST ? host(env.BOURSE_API_HOST, 'env BOURSE_API_HOST') : file.host !== undefined ? host(file.host, 'config.json api.host') : apiConfigDefaults.host
  const resolvedPort =
    f.apiPort !== undefined ? port(f.apiPort, '--api-port') : env.BOURSE_API_PORT ? port(env.BOURSE_API_PORT, 'env BOURSE_API_PORT') : file.port !== undefined ? port(file.port, 'config.json api.port') : apiConfigDefaults.port
  const level = env.BOURSE_LOG_LEVEL || apiConfigDefaults.logLevel
  if (!(levels as readonly string[]).includes(level)) throw new ApiConfigError({ source: 'env BOURSE_LOG_LEVEL', reason: `"${level}" must be one of ${levels.join(', ')}` })
  return { enabled, host: resolvedHost, port: resolvedPort, logLevel: level as ApiConfig['logLevel'] }
}
