import { describe, expect, it } from 'vitest'
import { engineRejection, writeSplittingRefused } from './engine.errors.ts'

const constraint = (name: string) =>
  new Error(
    `Code: 469. DB::Exception: Constraint \`${name}\` for table db.t (0f8fad5b-d9cb-469f-a165-70867728950e) is violated at row 1. Expression: (x). (VIOLATED_CONSTRAINT)`,
  )

describe('engineRejection', () => {
  it('names the field of a violated constraint or an unparsable key, and hides the table uuid', () => {
    expect(engineRejection(constraint('score'))).toEqual([
      {
        path: 'score',
        message:
          'refused by ClickHouse: Constraint `score` for table db.t is violated at row 1. Expression: (x). (VIOLATED_CONSTRAINT)',
      },
    ])
    const parse = new Error(
      'Code: 376. DB::Exception: Cannot parse UUID from String: (while reading the value of key event_id): (at row 1)',
    )
    expect(engineRejection(parse)?.[0]?.path).toBe('event_id')
  })

  it('treats anything else as worth retrying', () => {
    expect(engineRejection(new Error('connect ECONNREFUSED 127.0.0.1:8123'))).toBeUndefined()
    expect(
      engineRejection(new Error('Code: 241. DB::Exception: Memory limit exceeded')),
    ).toBeUndefined()
  })
})

describe('writeSplittingRefused', () => {
  it('writes every good item once and returns each refused one alone, with tokens from positions', async () => {
    const written: { items: number[]; token: string }[] = []
    const bad = new Set([3, 7])
    const insert = async (items: readonly number[], token: string) => {
      if (items.some((i) => bad.has(i))) throw constraint('score')
      written.push({ items: [...items], token })
    }
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    const refused = await writeSplittingRefused(items, 'T', insert)
    expect(refused.map((r) => r.item)).toEqual([3, 7])
    expect(written.flatMap((w) => w.items).sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 8, 9])
    // The same batch again takes the same steps with the same tokens (a replay is deduplicated).
    const first = written.map((w) => w.token)
    const again: string[] = []
    await writeSplittingRefused(items, 'T', async (i, t) => {
      await insert(i, t)
      again.push(t)
    })
    expect(again).toEqual(first)
  })

  it('writes a clean batch in one insert under the batch token, and rethrows retryable errors', async () => {
    const tokens: string[] = []
    expect(
      await writeSplittingRefused([1, 2, 3], 'T', async (_i, t) => void tokens.push(t)),
    ).toEqual([])
    expect(tokens).toEqual(['T'])
    await expect(
      writeSplittingRefused([1], 'T', () => Promise.reject(new Error('socket hang up'))),
    ).rejects.toThrow('socket hang up')
  })
})
