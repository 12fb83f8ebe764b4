// The time histogram of the matching events (/api/v1/hits), drawn with uPlot.
// Dragging across it selects a time window, which becomes the search range.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface HistogramProps {
  /** Bucket start times in seconds, evenly spaced by stepMs. */
  xs: number[];
  ys: number[];
  /** The window shown, in ms: the search range. */
  from: number;
  to: number;
  stepMs: number;
  dark: boolean;
  /** onZoom gets the selected window in ms. */
  onZoom: (from: number, to: number) => void;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * timeTicks labels the time axis in the browser's zone, 24-hour clock, with
 * the date under the first tick and under each tick that starts a new day.
 */
function timeTicks(_u: uPlot, splits: number[], _axis: number, _space: number, incr: number): string[] {
  return splits.map((v, i) => {
    const d = new Date(v * 1000);
    const day = `${d.getMonth() + 1}/${d.getDate()}`;
    if (incr >= 86400) return day;
    let time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    if (incr < 60) time += ':' + pad(d.getSeconds());
    const prev = i > 0 ? new Date(splits[i - 1] * 1000) : null;
    return !prev || prev.getDate() !== d.getDate() ? time + '\n' + day : time;
  });
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function compact(n: number): string {
  if (n >= 1e9) return +(n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return +(n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return +(n / 1e3).toFixed(1) + 'k';
  return String(n);
}

export function Histogram(p: HistogramProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const props = useRef(p);
  props.current = p;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    const bar = cssVar('--accent');
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 100),
      height: 110,
      padding: [6, 12, 0, 0],
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: true, range: () => [props.current.from / 1000, props.current.to / 1000] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] },
      },
      axes: [
        { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif', values: timeTicks },
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 44,
          font: '11px system-ui, sans-serif',
          values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? compact(v) : '')),
        },
      ],
      series: [
        {},
        {
          fill: bar,
          stroke: bar,
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.85, 64], align: 1 }),
          points: { show: false },
        },
      ],
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width > 3) {
              const a = u.posToVal(left, 'x') * 1000;
              const b = u.posToVal(left + width, 'x') * 1000;
              props.current.onZoom(Math.round(a), Math.round(b));
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
      },
    };
    const u = new uPlot(opts, [props.current.xs, props.current.ys], el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 100), height: 110 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [p.dark]);

  useEffect(() => {
    plot.current?.setData([p.xs, p.ys]);
  }, [p.xs, p.ys, p.from, p.to]);

  return <div class="histogram" ref={box} data-testid="histogram" />;
}
