import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testEnvironment } from '@cxpulse/test-env'
import { localKafkaStatus, startLocalKafka, stopLocalKafka } from './broker.ts'

describe('local Kafka broker', () => {
  it('runs a second broker beside the suite broker, on other ports, and stops it by pid', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cxp-kafka-second-'))
    try {
      const broker = await startLocalKafka({ dataDir, fresh: true })
      expect(testEnvironment().kafka.brokers).not.toContain(broker.brokers)
      expect((await localKafkaStatus(dataDir))?.running).toBe(true)
      await expect(startLocalKafka({ dataDir })).rejects.toThrow(/already running/)
      expect(await stopLocalKafka(dataDir)).toBe(true)
      expect((await localKafkaStatus(dataDir))?.running).toBe(false)
      await broker.stop() // safe twice

      // Restarting the same data dir keeps its ports (the controller remembers its endpoint).
      const again = await startLocalKafka({ dataDir })
      expect(again.brokers).toBe(broker.brokers)
      await again.stop()
    } finally {
      await stopLocalKafka(dataDir)
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
