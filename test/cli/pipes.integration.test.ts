import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateApiKey } from '@cxpulse/auth'
import { saveKeyFile } from '@cxpulse/cli/key-file'
import { CLI, ROOT } from './run-cli.ts'

/** `cxpulse keys list` over a big key file: well over a pipe's 64 KiB buffer of output. */
const KEYS = 16_000

function cxpulse(args: string[], onStdout?: (child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; bytes: number; err: string }>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT })
    let bytes = 0
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      onStdout?.(child)
    })
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('close', (code) => done({ code, bytes, err }))
  })
}

describe('CLI output into a pipe', () => {
  let dir = ''
  let file = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxp-pipe-'))
    file = join(dir, 'keys.json')
    await saveKeyFile(
      file,
      Array.from({ length: KEYS }, (_, i) => ({
        id: `tenant-${i}-key`,
        tenant_id: `tenant-${i}`,
        hash: generateApiKey().hash,
        scopes: ['ingest', 'query'] as ('ingest' | 'query')[],
      })),
    )
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes every byte before it exits', async () => {
    const line = (i: number) =>
      `${`tenant-${i}-key`.padEnd(32)} ${`tenant-${i}`.padEnd(20)} ingest,query\n`
    const expected = Array.from({ length: KEYS }, (_, i) => Buffer.byteLength(line(i))).reduce(
      (a, b) => a + b,
    )
    expect(expected).toBeGreaterThan(1024 * 1024)
    const run = await cxpulse(['keys', 'list', '--file', file])
    expect(run.code, run.err).toBe(0)
    expect(run.bytes).toBe(expected)
  })

  it('stops quietly when the reader goes away (| head)', async () => {
    const run = await cxpulse(['keys', 'list', '--file', file], (child) => child.stdout?.destroy())
    expect(run.code).toBe(0)
    expect(run.err).toBe('')
  })
})
