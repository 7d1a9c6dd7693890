/** One resource's total, used, offered and idle amounts over time, as an SVG line chart. */
import { chartPaths, type ChartedResource, type MetricSample } from '../model/metric-history.js';
import { formatAmount } from '../model/resources.js';

const WIDTH_PX = 300;
const HEIGHT_PX = 100;
const TOP_BAND_PX = 14;

export function ResourceChart({ samples, resource }: { samples: readonly MetricSample[]; resource: ChartedResource }) {
  const { paths, maxValue } = chartPaths(samples, resource, WIDTH_PX, HEIGHT_PX);
  const latest = samples[samples.length - 1]?.resources[resource];
  return (
    <div className="panel chart" data-testid={`chart-${resource}`}>
      <div className="title">
        <strong>{resource}</strong>
        <span className="muted">{latest ? `${formatAmount(resource, latest.used)} used of ${formatAmount(resource, latest.total)}` : 'no samples yet'}</span>
      </div>
      <div className="plot">
        <span className="chart-max">{formatAmount(resource, maxValue)}</span>
        {/* A band above the plot keeps the top line clear of the label. */}
        <svg viewBox={`0 ${-TOP_BAND_PX} ${WIDTH_PX} ${HEIGHT_PX + TOP_BAND_PX}`} preserveAspectRatio="none" role="img" aria-label={`${resource} over time`}>
          <line x1="0" y1={HEIGHT_PX} x2={WIDTH_PX} y2={HEIGHT_PX} stroke="#e1e4ea" />
          <path d={paths.total} fill="none" stroke="var(--total)" strokeWidth="1.5" strokeDasharray="4 3" vectorEffect="non-scaling-stroke" />
          <path d={paths.idle} fill="none" stroke="var(--idle)" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
          <path d={paths.offered} fill="none" stroke="var(--offered)" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
          <path d={paths.used} fill="none" stroke="var(--used)" strokeWidth="2" vectorEffect="non-scaling-stroke" />
        </svg>
      </div>
      <div className="legend">
        <span className="s-total">total</span><span className="s-used">used</span><span className="s-offered">offered</span><span className="s-idle">idle</span>
      </div>
    </div>
  );
}
