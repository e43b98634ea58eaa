import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { RAW_TABLE } from './tables.ts'
import {
  aggregate,
  chooseGranularity,
  num,
  timeAt,
  type Keyed,
  type WindowSpec,
} from './window.query.ts'

const qaRow = z.object({ n: num, iqs_sum: num, iqs_sum_sq: num })

/** Reviews and the sums of their IQS (projections p_1h/p_1d when the window lies on their buckets). */
export async function queryIqs(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof qaRow>>[]> {
  const granularity = chooseGranularity(spec, ['1d', '1h'])
  return aggregate(
    ch,
    `iqs_${granularity}`,
    {
      table: ch.table(RAW_TABLE.qa),
      time: timeAt(granularity),
      columns: { n: 'count()', iqs_sum: 'sum(iqs)', iqs_sum_sq: 'sum(iqs * iqs)' },
    },
    spec,
    qaRow,
    { dimensions: ['channel', 'agent', 'team', 'product', 'region', 'segment'] },
  )
}
