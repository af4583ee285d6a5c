// Logger settings: human-readable lines in a development terminal, JSON elsewhere; secrets in headers redacted.
import { resolve } from 'node:path'
import type { FastifyRequest } from 'fastify'
import pinoPretty from 'pino-pretty'
import type { Config } from './config.ts'

// LLM model headers are logged (which model served a request helps support); every other X-LLM-* header may carry a key.
const LLM_MODEL_HEADER = /^x-llm-(?:[a-z]+-)?model$/i
const SECRET_HEADER = /^(authorization|cookie|x-api-key|x-llm-.*)$/i

/** Request headers as logged: credentials and every X-LLM-* header except the model names are replaced by [redacted]. */
export function redactHeaders (headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER.test(name) && !LLM_MODEL_HEADER.test(name) ? '[redacted]' : value
  return out
}

/**
 * Whether logs are pretty-printed: LOG_FORMAT=pretty or json decides; `auto` (the default) means pretty
 * when the output is a terminal and NODE_ENV is not production, JSON otherwise (files, pipes, log shippers).
 */
export function prettyLogs (format: Config['logFormat'], env: string, isTty: boolean): boolean {
  if (format !== 'auto') return format === 'pretty'
  return isTty && env !== 'production'
}

/** The database as the startup log names it: an absolute file path, or a URL without its password. */
export function describeDatabase (databaseUrl: string): string {
  if (databaseUrl === ':memory:') return ':memory: (in memory, gone when the server stops)'
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl)) {
    try {
      const url = new URL(databaseUrl)
      if (url.password) url.password = '***'
      return url.toString()
    } catch {
      return databaseUrl.replace(/\/\/[^@/]*@/, '//***@')
    }
  }
  return resolve(databaseUrl.replace(/^file:/, ''))
}

/** Fastify's logger options for a config; `stream` replaces stdout (tests capture logs with it). */
export function loggerOptions (config: Config, stream?: NodeJS.WritableStream) {
  const isTty = stream === undefined && process.stdout.isTTY === true
  const pretty = prettyLogs(config.logFormat, config.env, isTty)
  const destination = pretty
    ? pinoPretty({ destination: stream ?? 1, colorize: isTty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
    : stream
  return {
    level: config.logLevel,
    ...(destination ? { stream: destination } : {}),
    serializers: {
      req: (req: FastifyRequest) => ({ method: req.method, url: req.url, ip: req.ip, headers: redactHeaders(req.headers) })
    }
  }
}
