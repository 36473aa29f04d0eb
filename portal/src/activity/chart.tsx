import type { ApiClient } from '../api.js';
import type { Page } from '../types.js';
import { formatCount } from './format.js';
import type { DeliverySummary } from './types.js';

/** One hour of the last 24: deliveries created in it, by outcome. */
export interface HourBucket {
  /** Start of the hour, epoch ms. */
  readonly start: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
}

export interface HourlySeries {
  readonly hours: readonly HourBucket[];
  /** The page limit was reached before the window's start: older hours may be undercounted. */
  readonly truncated: boolean;
}

const HOUR_MS = 3_600_000;
const PAGE_LIMIT = 100;
/** At most this many pages of history (1,000 deliveries) are read for the chart. */
export const MAX_CHART_PAGES = 10;

/**
 * The per-hour series for the chart. GET /v1/webhooks/{id}/stats gives only the 24-hour window's
 * totals (the hourly buckets stay in the stats store; no route returns them), so the chart is
 * computed here from the delivery history instead: newest first, up to MAX_CHART_PAGES pages of
 * 100, stopping at the first delivery older than the window. Deliveries count in the hour they were
 * created (the stats cards count an outcome in the hour it became final, so the two can differ
 * slightly at the window's edge).
 */
export async function loadHourlySeries(
  api: ApiClient,
  webhookId: string,
  now: number = Date.now(),
): Promise<HourlySeries> {
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const windowStart = currentHour - 23 * HOUR_MS;
  const hours = Array.from({ length: 24 }, (_, i) => ({
    start: windowStart + i * HOUR_MS,
    succeeded: 0,
    failed: 0,
    pending: 0,
  }));
  let cursor: string | null | undefined;
  for (let page = 0; page < MAX_CHART_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
    if (cursor) query.set('cursor', cursor);
    const result = await api.request<Page<DeliverySummary>>(
      'GET',
      `/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries?${query}`,
    );
    let passedWindow = false;
    for (const delivery of result.data) {
      const created = Date.parse(delivery.created_at);
      if (created < windowStart) {
        passedWindow = true;
        continue;
      }
      const bucket = hours[Math.min(23, Math.floor((created - windowStart) / HOUR_MS))];
      if (bucket) bucket[delivery.status] += 1;
    }
    cursor = result.next_cursor;
    if (passedWindow || !cursor) return { hours, truncated: false };
  }
  return { hours, truncated: true };
}

const hourLabel = (start: number): string =>
  new Date(start).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

const describe = (hour: HourBucket): string =>
  `${hourLabel(hour.start)}: ${hour.succeeded} succeeded, ${hour.failed} failed` +
  (hour.pending ? `, ${hour.pending} pending` : '');

const WIDTH = 720;
const HEIGHT = 200;
const LEFT = 40;
const BOTTOM = 24;
const TOP = 10;

/**
 * Deliveries per hour, succeeded (solid), failed (hatched) and pending (dashed outline) stacked, as
 * inline SVG. Its text alternative is the `aria-label` (totals and every non-empty hour); the legend
 * names each series and draws its pattern, so nothing is told by colour alone.
 */
export function HourlyChart({ series }: { series: HourlySeries }) {
  const { hours } = series;
  const total = (hour: HourBucket) => hour.succeeded + hour.failed + hour.pending;
  const max = Math.max(1, ...hours.map(total));
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = (WIDTH - LEFT) / hours.length;
  const barWidth = slot * 0.7;
  const y = (value: number) => (value / max) * plotHeight;
  const succeeded = hours.reduce((sum, hour) => sum + hour.succeeded, 0);
  const failed = hours.reduce((sum, hour) => sum + hour.failed, 0);
  const pending = hours.reduce((sum, hour) => sum + hour.pending, 0);
  const busy = hours.filter((hour) => total(hour) > 0).map(describe);
  const label =
    `Deliveries per hour, last 24 hours: ${formatCount(succeeded)} succeeded, ${formatCount(failed)} failed` +
    (pending ? `, ${formatCount(pending)} pending.` : '.') +
    (busy.length ? ` ${busy.join('; ')}.` : ' No deliveries.');
  return (
    <figure class="act-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={label}
        preserveAspectRatio="xMidYMid meet"
      >
        <defs>
          <pattern
            id="act-hatch"
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="6" height="6" fill="#b91c1c" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2" />
          </pattern>
        </defs>
        <line x1={LEFT} y1={TOP + plotHeight} x2={WIDTH} y2={TOP + plotHeight} stroke="#6b7280" />
        <line x1={LEFT} y1={TOP} x2={WIDTH} y2={TOP} stroke="#e5e7eb" />
        <text x={LEFT - 6} y={TOP + 4} text-anchor="end" class="act-axis">
          {max}
        </text>
        <text x={LEFT - 6} y={TOP + plotHeight} text-anchor="end" class="act-axis">
          0
        </text>
        {hours.map((hour, i) => {
          const x = LEFT + i * slot + (slot - barWidth) / 2;
          const okHeight = y(hour.succeeded);
          const failHeight = y(hour.failed);
          const pendingHeight = y(hour.pending);
          const base = TOP + plotHeight;
          return (
            <g key={hour.start}>
              <title>{describe(hour)}</title>
              {hour.succeeded > 0 ? (
                <rect x={x} y={base - okHeight} width={barWidth} height={okHeight} fill="#047857" />
              ) : null}
              {hour.failed > 0 ? (
                <rect
                  x={x}
                  y={base - okHeight - failHeight}
                  width={barWidth}
                  height={failHeight}
                  fill="url(#act-hatch)"
                  stroke="#b91c1c"
                />
              ) : null}
              {hour.pending > 0 ? (
                <rect
                  x={x + 1}
                  y={base - okHeight - failHeight - pendingHeight + 1}
                  width={barWidth - 2}
                  height={Math.max(0, pendingHeight - 2)}
                  fill="#fff"
                  stroke="#92400e"
                  stroke-width="2"
                  stroke-dasharray="4 2"
                />
              ) : null}
              {i % 4 === 0 || i === hours.length - 1 ? (
                <text x={x + barWidth / 2} y={HEIGHT - 6} text-anchor="middle" class="act-axis">
                  {i === hours.length - 1 ? 'Now' : hourLabel(hour.start)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="act-legend">
          <li>
            <svg width="14" height="14" aria-hidden="true" focusable="false">
              <rect width="14" height="14" fill="#047857" />
            </svg>
            Succeeded (solid)
          </li>
          <li>
            <svg width="14" height="14" aria-hidden="true" focusable="false">
              <rect width="14" height="14" fill="url(#act-hatch)" stroke="#b91c1c" />
            </svg>
            Failed (hatched)
          </li>
          <li>
            <svg width="14" height="14" aria-hidden="true" focusable="false">
              <rect
                x="1"
                y="1"
                width="12"
                height="12"
                fill="#fff"
                stroke="#92400e"
                stroke-width="2"
                stroke-dasharray="4 2"
              />
            </svg>
            Pending (dashed outline)
          </li>
        </ul>
        {series.truncated ? (
          <p class="muted">
            Only the newest {formatCount(MAX_CHART_PAGES * PAGE_LIMIT)} deliveries are drawn: earlier hours
            may show fewer than were sent.
          </p>
        ) : null}
      </figcaption>
    </figure>
  );
}
